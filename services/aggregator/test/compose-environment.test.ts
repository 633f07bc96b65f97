import { describeComposeEnvironment } from '@streamtally/test-support';
import { aggregatorConfigSchema } from '../src/config';

describeComposeEnvironment('aggregator', aggregatorConfigSchema as never);
