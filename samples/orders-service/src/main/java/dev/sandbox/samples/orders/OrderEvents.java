package dev.sandbox.samples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The {@code order.created} events: published to the durable topic exchange {@value #EXCHANGE} and
 * consumed from the durable queue {@value #QUEUE}, which confirms the order.
 */
public final class OrderEvents implements AutoCloseable {

  static final String EXCHANGE = "orders";
  static final String QUEUE = "orders.confirmations";
  static final String ORDER_CREATED = "order.created";

  private static final System.Logger LOG = System.getLogger(OrderEvents.class.getName());

  private final ObjectMapper json;
  private final Connection connection;
  private final Channel publisher;

  /** Connects to the broker and declares the exchange, queue and binding (idempotent). */
  public OrderEvents(Settings settings, ObjectMapper json) throws IOException, TimeoutException {
    this.json = json;
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(settings.amqpUri());
    } catch (Exception e) {
      throw new IllegalArgumentException("AMQP_URI is not a valid AMQP URI", e);
    }
    factory.setAutomaticRecoveryEnabled(true);
    factory.setConnectionTimeout(5_000);
    connection = factory.newConnection("orders-service");
    publisher = connection.createChannel();
    publisher.exchangeDeclare(EXCHANGE, BuiltinExchangeType.TOPIC, true);
    publisher.queueDeclare(QUEUE, true, false, false, Map.of());
    publisher.queueBind(QUEUE, EXCHANGE, ORDER_CREATED);
    publisher.confirmSelect();
  }

  /** Publishes {@code order.created} persistently and waits for the broker's confirm. */
  public synchronized void publishCreated(Order order)
      throws IOException, InterruptedException, TimeoutException {
    byte[] body =
        json.writeValueAsBytes(
            Map.of("id", order.id(), "item", order.item(), "quantity", order.quantity()));
    AMQP.BasicProperties properties =
        new AMQP.BasicProperties.Builder()
            .contentType("application/json")
            .deliveryMode(2)
            .type(ORDER_CREATED)
            .build();
    publisher.basicPublish(EXCHANGE, ORDER_CREATED, properties, body);
    publisher.waitForConfirmsOrDie(5_000);
  }

  /** Confirms orders as their events arrive; redelivers on a database failure. */
  public void startConfirming(OrderStore store, Metrics metrics) throws IOException {
    Channel channel = connection.createChannel();
    channel.basicQos(10);
    channel.basicConsume(
        QUEUE,
        false,
        "orders-confirmer",
        new DefaultConsumer(channel) {
          @Override
          public void handleDelivery(
              String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
              throws IOException {
            long id;
            try {
              JsonNode event = json.readTree(body);
              id = event.path("id").asLong(-1);
            } catch (IOException e) {
              LOG.log(Level.WARNING, "dropping an unreadable order.created event", e);
              channel.basicReject(envelope.getDeliveryTag(), false);
              return;
            }
            try {
              if (store.confirm(id)) {
                metrics.orderConfirmed();
                LOG.log(Level.INFO, "order " + id + " confirmed");
              }
              channel.basicAck(envelope.getDeliveryTag(), false);
            } catch (java.sql.SQLException e) {
              LOG.log(Level.WARNING, "could not confirm order " + id + "; requeueing", e);
              channel.basicNack(envelope.getDeliveryTag(), false, true);
            }
          }
        });
  }

  /** Whether the broker connection is open. */
  public boolean healthy() {
    return connection.isOpen();
  }

  @Override
  public void close() throws IOException {
    if (connection.isOpen()) {
      connection.close(5_000);
    }
  }
}
