// The aggregator's JSON benchmark job written for Kafka Streams, for scripts/bench/streams-vs-ours.sh:
// flights-shaped JSON records (date "yyyy/MM/dd HH:mm" in UTC, origin, destination), counted
// per origin and destination per hour of event time (tumbling), exactly_once_v2,
// JSON read with Jackson (a record that is not one is skipped and counted), counts written to
// an output topic as "[origin,destination]@windowStart" -> count. Prints, once every input
// record is committed, the catch-up rate measured from the first record processed, and how many
// records Kafka Streams dropped as late (expired windows). The grace is -Dbench.graceSeconds
// (default 1): after the re-keying, the repartition topic interleaves the input partitions,
// whose event times drift apart by weeks in a catch-up, so a grace of 1 s drops a third of the
// records as late (counting those would be the same job as ours, which drops none).
//   java -cp <libs>:<classes> RoutesHourly <brokers> <input topic> <output topic> <application id> [config=value ...]
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.Stores;

public final class RoutesHourly {
  static final ObjectMapper JSON = new ObjectMapper();
  static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm");
  static final AtomicLong FIRST_NANOS = new AtomicLong();
  static final AtomicLong SKIPPED = new AtomicLong();
  static final Duration GRACE = Duration.ofSeconds(Long.getLong("bench.graceSeconds", 1L));

  /** The record's event time from its JSON `date`; a record without one is dropped (-1). */
  public static final class FlightTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      FIRST_NANOS.compareAndSet(0, System.nanoTime());
      try {
        JsonNode date = JSON.readTree((byte[]) record.value()).get("date");
        return LocalDateTime.parse(date.asText(), DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
      } catch (Exception notAFlight) {
        SKIPPED.incrementAndGet();
        return -1;
      }
    }
  }

  /** Records processed by the stream threads, over all tasks (the thread-level process-total, recorded at INFO). */
  static double processed(KafkaStreams streams) {
    return streams.metrics().values().stream()
        .filter(m -> m.metricName().name().equals("process-total") && m.metricName().group().equals("stream-thread-metrics"))
        .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
  }

  public static void main(String[] args) throws Exception {
    String brokers = args[0], input = args[1], output = args[2], applicationId = args[3];
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, "/tmp/kafka-streams-bench/" + applicationId);
    props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, FlightTime.class);
    props.put("auto.offset.reset", "earliest");
    // extra producer/consumer settings from the command line (key=value ...), e.g. for a slow machine
    for (int i = 4; i < args.length; i++) props.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .map((key, value) -> {
          try {
            JsonNode flight = JSON.readTree(value);
            String route = JSON.writeValueAsString(List.of(flight.get("origin").asText(), flight.get("destination").asText()));
            return KeyValue.pair(route, value);
          } catch (Exception notAFlight) {
            return KeyValue.pair("(unreadable)", value);
          }
        })
        .groupByKey(Grouped.with(Serdes.String(), Serdes.ByteArray()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofHours(1), GRACE))
        // in memory (changelogged, so still exactly once): the default RocksDB window store opens a
        // new RocksDB instance per half retention of event time (30 min here), and a backlog
        // spanning years of flights made it create and drop hundreds of thousands of them (over
        // half its time in the kernel, 1,500 events/s)
        .count(Materialized.as(Stores.inMemoryWindowStore("routes-hourly", Duration.ofHours(1).plus(GRACE), Duration.ofHours(1), false)))
        .toStream((window, count) -> window.key() + "@" + window.window().start())
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));

    runUntilCommitted(builder, props, brokers, input, output, applicationId, "");
  }

  /**
   * Starts the topology, waits until every input record is committed, and prints the catch-up
   * rate and how many records were dropped as late (`job` says what it computed, for the line).
   */
  static void runUntilCommitted(StreamsBuilder builder, Properties props, String brokers, String input, String output, String applicationId, String job)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", brokers))) {
      List<TopicPartition> partitions = admin.describeTopics(List.of(input)).allTopicNames().get().get(input).partitions().stream()
          .map(p -> new TopicPartition(input, p.partition())).collect(Collectors.toList());
      long total = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get()
          .values().stream().mapToLong(o -> o.offset()).sum();
      // a sink topic is not created by Kafka Streams (its internal topics are): made here, as our aggregator makes its results topic
      admin.createTopics(List.of(new NewTopic(output, partitions.size(), (short) 1))).all().get();
      KafkaStreams streams = new KafkaStreams(builder.build(), props);
      streams.start();
      // Done once the input topic's offsets are committed and every record went through both
      // sub-topologies (the re-keying and, after the repartition topic, the count: the threads'
      // process-total reaches twice the input). Until session 24 this waited for the group's
      // offsets summed over the input and the repartition topic, which reached the input's total
      // well before the records were counted (the time that gave is printed too).
      long committed = 0;
      double allTopicsSeconds = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos(); // a metric that never gets there must not hang the bench
      while (committed < total || processed(streams) < 2.0 * total) {
        Thread.sleep(100);
        if (System.nanoTime() > deadline) {
          System.err.printf("kafka-streams: not done after 15 minutes (input committed %d of %d, processed %.0f)%n", committed, total, processed(streams));
          System.exit(1);
        }
        if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
          System.err.println("kafka-streams stopped: " + streams.state());
          System.exit(1);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        long allTopics = offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
        if (allTopicsSeconds == 0 && allTopics >= total) allTopicsSeconds = (System.nanoTime() - FIRST_NANOS.get()) / 1e9;
        committed = offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(input) && e.getValue() != null)
            .mapToLong(e -> e.getValue().offset()).sum();
      }
      double seconds = (System.nanoTime() - FIRST_NANOS.get()) / 1e9;
      // what the count still had to read of the repartition topic then (its transaction markers count as offsets)
      Map<TopicPartition, OffsetAndMetadata> last = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> repartition = last.keySet().stream().filter(p -> !p.topic().equals(input)).collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
      long repartitionLag = admin.listOffsets(repartition).all().get().entrySet().stream()
          .mapToLong(e -> e.getValue().offset() - (last.get(e.getKey()) == null ? 0 : last.get(e.getKey()).offset())).sum();
      double dropped = streams.metrics().values().stream()
          .filter(m -> m.metricName().name().equals("dropped-records-total") && m.metricName().group().equals("stream-task-metrics"))
          .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
      System.out.printf("kafka-streams: %d events in %.2f s = %d events/s (%sexactly_once_v2, grace %d s; %d unreadable, %d dropped as late; its repartition topic's offsets summed in too: %.2f s; repartition lag then %d)%n",
          total, seconds, (long) (total / seconds), job, GRACE.toSeconds(), SKIPPED.get(), (long) dropped, allTopicsSeconds, repartitionLag);
      streams.close(Duration.ofSeconds(10));
    }
  }
}
