// Reads two results topics to the end and says whether every window's latest (highest
// version) counts are the same in both: `node compare-results.cjs <brokers> <topic a> <topic b>`.
const path = require('node:path');
const { createKafka } = require(path.join(__dirname, '../../packages/kafka-client/dist'));
const { silentLogger } = require(path.join(__dirname, '../../packages/observability/dist'));

async function latest(kafka, topic) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const byKey = new Map();
  const consumer = kafka.consumer({ groupId: `compare-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const reached = new Map();
  await new Promise((resolve) => {
    const check = () => [...want].every(([p, end]) => (reached.get(p) ?? 0) >= end) && resolve();
    check();
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        const result = JSON.parse(String(message.value));
        const key = String(message.key);
        if (!byKey.has(key) || byKey.get(key).version < result.version) byKey.set(key, result);
        reached.set(partition, Number(message.offset) + 1);
        check();
      },
    });
  });
  await consumer.disconnect();
  return byKey;
}

(async () => {
  const [brokers, a, b] = process.argv.slice(2);
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'compare-results', logger: silentLogger() });
  const [left, right] = [await latest(kafka, a), await latest(kafka, b)];
  const differing = [...new Set([...left.keys(), ...right.keys()])].filter(
    (key) => JSON.stringify(Object.entries(left.get(key)?.counts ?? {}).sort()) !== JSON.stringify(Object.entries(right.get(key)?.counts ?? {}).sort()),
  );
  console.log(
    `results: ${left.size} windows vs ${right.size}; ${differing.length === 0 ? 'identical counts' : `${differing.length} differ, e.g. ${differing.slice(0, 3).join(', ')}`}`,
  );
  process.exit(differing.length === 0 && left.size === right.size ? 0 : 1);
})();
