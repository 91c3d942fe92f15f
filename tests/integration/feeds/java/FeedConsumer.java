// Reads a partner's Kafka feed with Kafka's own Java client, as a partner's JVM service
// would: SASL_PLAINTEXT, SCRAM-SHA-512, a consumer group under the granted prefix.
// Run with `java -cp <kafka libs>/* FeedConsumer.java` (single-file source launch, Java 11+);
// arguments: bootstrap username topic group count; the password comes on stdin.
// Prints one line per record: "<seq header> <key>", then "done <n>".

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class FeedConsumer {
    public static void main(String[] args) throws Exception {
        String password = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + args[1] + "\" password=\"" + password + "\";");
        props.put("group.id", args[3]);
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        int wanted = Integer.parseInt(args[4]);
        int seen = 0;
        long deadline = System.currentTimeMillis() + 60_000;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(args[2]));
            while (seen < wanted && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    var header = record.headers().lastHeader("seq");
                    String seq = header == null
                            ? "-" : new String(header.value(), StandardCharsets.UTF_8);
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    System.out.println(seq + " " + key);
                    seen++;
                }
            }
            consumer.commitSync();
        }
        System.out.println("done " + seen);
    }
}
