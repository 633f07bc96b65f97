import { buckets, metricSum, quantileMs } from '../src/metrics-text';

const PAGE = `# HELP streamtally_aggregator_records_total Input records
# TYPE streamtally_aggregator_records_total counter
streamtally_aggregator_records_total{topic="a"} 10
streamtally_aggregator_records_total{topic="b"} 5
streamtally_aggregator_records_total_created 17
streamtally_gateway_event_to_screen_seconds_bucket{le="0.1",aggregation="bench-markers"} 2
streamtally_gateway_event_to_screen_seconds_bucket{le="0.5",aggregation="bench-markers"} 8
streamtally_gateway_event_to_screen_seconds_bucket{le="+Inf",aggregation="bench-markers"} 10
streamtally_gateway_event_to_screen_seconds_bucket{le="0.1",aggregation="other"} 100
`;

describe('reading a /metrics page', () => {
  it('sums a metric over its series, or those whose labels match; never a longer name', () => {
    expect(metricSum(PAGE, 'streamtally_aggregator_records_total')).toBe(15);
    expect(metricSum(PAGE, 'streamtally_aggregator_records_total', 'topic="b"')).toBe(5);
    expect(metricSum(PAGE, 'streamtally_nothing')).toBe(0);
  });

  it('reads one series of buckets and interpolates a quantile over the difference of two snapshots', () => {
    const after = buckets(PAGE, 'streamtally_gateway_event_to_screen_seconds', 'aggregation="bench-markers"');
    expect([...after]).toEqual([
      [0.1, 2],
      [0.5, 8],
      [Infinity, 10],
    ]);
    const before = new Map([
      [0.1, 2],
      [0.5, 2],
      [Infinity, 2],
    ]);
    // 8 new samples, all between 0.1 and 0.5 s, then 2 above: the median is the 4th of the 6 in (0.1, 0.5]
    expect(quantileMs(before, after, 0.5)).toBe(Math.round((0.1 + (0.4 * 4) / 6) * 1000));
    expect(quantileMs(before, after, 0.99)).toBe(500); // in +Inf: the highest finite bound
    expect(quantileMs(after, after, 0.5)).toBeNaN(); // nothing new
  });
});
