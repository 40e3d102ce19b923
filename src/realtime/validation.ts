export { describeValue as describe, requireNonBlank } from '../validation';
