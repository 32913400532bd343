import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Prints every record of a topic that a read_committed consumer sees, as `partition<TAB>offset<TAB>value`
 * lines, with Kafka's own Java client: kafkajs's read_committed filter lets records of aborted transactions
 * through when several producers' aborted transactions overlap in one fetch (filterAbortedMessages steps
 * into one aborted transaction per record). First it waits, up to a timeout, until no transaction is open
 * on the topic, so it reads everything that will ever commit.
 *
 *   java -cp <kafka libs> ReadCommitted.java <client properties file> <topic> <timeout ms>
 *
 * The properties file has the bootstrap servers and the client's security settings.
 */
public class ReadCommitted {
  public static void main(String[] args) throws Exception {
    String topic = args[1];
    long deadline = System.currentTimeMillis() + Long.parseLong(args[2]);
    Properties properties = new Properties();
    try (java.io.Reader reader = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(args[0]))) {
      properties.load(reader);
    }
    properties.put("isolation.level", "read_committed");
    properties.put("enable.auto.commit", "false");
    try (Admin admin = Admin.create(properties);
         KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
      while (!consumer.endOffsets(partitions).equals(highWatermarks(admin, partitions)) && System.currentTimeMillis() < deadline) Thread.sleep(500);
      Map<TopicPartition, Long> stable = consumer.endOffsets(partitions);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      StringBuilder out = new StringBuilder();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < stable.get(p)) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          out.append(record.partition()).append('\t').append(record.offset()).append('\t').append(record.value()).append('\n');
        }
        System.out.print(out);
        out.setLength(0);
      }
    }
  }

  private static Map<TopicPartition, Long> highWatermarks(Admin admin, List<TopicPartition> partitions) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
    return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get().entrySet().stream()
      .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }
}
