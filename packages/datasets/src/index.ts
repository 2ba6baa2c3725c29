export { type EmojiSample, type EmojiSampleMeta, emojiSampleFolder, loadEmojiSample } from './emoji';
export { loadSample, SAMPLE_NAMES, type Sample, type SampleMeta, type SampleName, sampleFolder } from './samples';
