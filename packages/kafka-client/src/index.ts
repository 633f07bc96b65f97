export * from './create-kafka';
export * from './topics';
export * from './metrics';
export * from './kafkajs';
export * from './consumer-liveness';
export * from './partitioned-send';
