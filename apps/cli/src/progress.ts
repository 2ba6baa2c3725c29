import cliProgress from 'cli-progress';
import type { BatchProgress } from '@clicktune/tensor';

/** A progress bar on stderr when it is a terminal; silence otherwise (pipes, CI, tests). */
export function trainingProgress(enabled: boolean): { onBatch: (progress: BatchProgress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { onBatch: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | {eta_formatted} left', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let epoch = -1;
  return {
    onBatch: (progress) => {
      if (progress.epoch !== epoch) {
        if (epoch >= 0) bar.stop();
        epoch = progress.epoch;
        bar.start(progress.batches, 0, { epoch: epoch + 1, loss: '—' });
      }
      bar.update(progress.batch + 1, { epoch: epoch + 1, loss: progress.loss.toFixed(4) });
    },
    stop: () => bar.stop(),
  };
}
