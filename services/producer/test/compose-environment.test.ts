import { describeComposeEnvironment } from '@streamtally/test-support';
import { producerConfigSchema } from '../src/config';

describeComposeEnvironment('producer', producerConfigSchema as never);
