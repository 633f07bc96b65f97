import { describeComposeEnvironment } from '@streamtally/test-support';
import { gatewayConfigSchema } from '../src/config';

describeComposeEnvironment('gateway', gatewayConfigSchema as never);
