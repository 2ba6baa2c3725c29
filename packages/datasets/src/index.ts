export { type EmojiSample, type EmojiSampleMeta, emojiSampleFolder, loadEmojiSample } from './emoji';
