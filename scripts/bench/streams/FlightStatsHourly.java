// The aggregator's stats benchmark job written for Kafka Streams, for
// `BENCH_JOB=stats scripts/bench/streams-vs-ours.sh`: flights-shaped JSON records, per origin per
// hour of event time (tumbling), the count, the sum of `distance`, the mean and the largest
// `delay` and the number of distinct destinations (an exact set here; ours estimates it with a
// HyperLogLog), exactly_once_v2. The aggregate travels as a small text value (Kafka Streams
// keeps its state serialized, so every update reads and writes it, as any serde would).
// Prints, once every input record is committed, the catch-up rate and how many records it
// dropped as late (the grace is -Dbench.graceSeconds, see RoutesHourly.java).
//   java -cp <libs>:<classes> FlightStatsHourly <brokers> <input topic> <output topic> <application id> [config=value ...]
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;

public final class FlightStatsHourly {
  /** count, sum(distance), sum(delay), max(delay), then the destinations seen, "|"-separated. */
  static String add(String stats, JsonNode flight) {
    String[] parts = stats.isEmpty() ? new String[] {"0", "0", "0", String.valueOf(Long.MIN_VALUE), ""} : stats.split(",", 5);
    long count = Long.parseLong(parts[0]) + 1;
    long distance = Long.parseLong(parts[1]) + flight.get("distance").asLong();
    long delay = Long.parseLong(parts[2]) + flight.get("delay").asLong();
    long worst = Math.max(Long.parseLong(parts[3]), flight.get("delay").asLong());
    TreeSet<String> destinations = new TreeSet<>(parts[4].isEmpty() ? List.of() : Arrays.asList(parts[4].split("\\|")));
    destinations.add(flight.get("destination").asText());
    return count + "," + distance + "," + delay + "," + worst + "," + String.join("|", destinations);
  }

  public static void main(String[] args) throws Exception {
    String brokers = args[0], input = args[1], output = args[2], applicationId = args[3];
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, "/tmp/kafka-streams-bench/" + applicationId);
    props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, RoutesHourly.FlightTime.class);
    props.put("auto.offset.reset", "earliest");
    for (int i = 4; i < args.length; i++) props.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .map((key, value) -> {
          try {
            return KeyValue.pair(RoutesHourly.JSON.readTree(value).get("origin").asText(), value);
          } catch (Exception notAFlight) {
            return KeyValue.pair("(unreadable)", value);
          }
        })
        .groupByKey(Grouped.with(Serdes.String(), Serdes.ByteArray()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofHours(1), RoutesHourly.GRACE))
        .aggregate(
            () -> "",
            (origin, value, stats) -> {
              try {
                return add(stats, RoutesHourly.JSON.readTree(value));
              } catch (Exception notAFlight) {
                return stats;
              }
            },
            // in memory and changelogged, as RoutesHourly (the RocksDB window store is far slower on a years-long backlog)
            Materialized.<String, String>as(Stores.inMemoryWindowStore("flight-stats-hourly", Duration.ofHours(1).plus(RoutesHourly.GRACE), Duration.ofHours(1), false))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()))
        .toStream((window, stats) -> window.key() + "@" + window.window().start())
        .mapValues(stats -> {
          String[] parts = stats.split(",", 5);
          long count = Long.parseLong(parts[0]);
          return count + "," + parts[1] + "," + (double) Long.parseLong(parts[2]) / count + "," + parts[3] + "," + (parts[4].isEmpty() ? 0 : parts[4].split("\\|").length);
        })
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    RoutesHourly.runUntilCommitted(builder, props, brokers, input, output, applicationId, "stats: count, sum, avg, max, distinct; ");
  }
}
