import { isSoftwareRenderer } from '@clicktune/backends';

export interface AdapterLike {
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  readonly isFallbackAdapter?: boolean;
}

/** A readable name for an adapter (Dawn's and browsers' `GPUAdapterInfo`), and whether it is a software one. */
export function describeAdapter(adapter: AdapterLike): { description: string; software: boolean } {
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return { description, software: isSoftwareRenderer(description) || adapter.isFallbackAdapter === true };
}
