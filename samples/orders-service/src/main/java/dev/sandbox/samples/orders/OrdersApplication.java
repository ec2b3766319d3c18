package dev.sandbox.samples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The orders service: {@code POST /orders}, {@code GET /orders/{id}}, {@code /health/live}, {@code
 * /health/ready} and {@code /metrics} on the JDK's HTTP server.
 *
 * <p>The HTTP server starts first, so liveness answers at once; the service becomes ready once the
 * schema exists and the broker connection is up, retrying both until they are.
 */
public final class OrdersApplication {

  static {
    // one line per record, for `kubectl logs`
    System.setProperty(
        "java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
  }

  private static final System.Logger LOG = System.getLogger(OrdersApplication.class.getName());
  private static final int MAX_BODY = 16 * 1024;

  private final Settings settings;
  private final ObjectMapper json = new ObjectMapper();
  private final Metrics metrics = new Metrics();
  private final OrderStore store;
  private volatile OrderEvents events;
  private HttpServer server;
  private ExecutorService executor;

  OrdersApplication(Settings settings) {
    this.settings = settings;
    this.store = new OrderStore(settings);
  }

  /** Starts the service with settings from the environment. */
  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("orders-service: " + e.getMessage());
      System.exit(2);
      return;
    }
    OrdersApplication app = new OrdersApplication(settings);
    Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "shutdown"));
    app.start();
    app.connect();
  }

  void start() throws IOException {
    executor = Executors.newFixedThreadPool(8);
    server = HttpServer.create(new InetSocketAddress(settings.port()), 64);
    server.setExecutor(executor);
    server.createContext("/orders", this::orders);
    server.createContext("/health/live", exchange -> send(exchange, 200, Map.of("status", "UP")));
    server.createContext("/health/ready", this::ready);
    server.createContext(
        "/metrics",
        exchange ->
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()));
    server.start();
    LOG.log(Level.INFO, "listening on port " + settings.port() + " (" + settings + ")");
  }

  /** Creates the schema and connects to the broker, retrying with back-off until both work. */
  void connect() throws InterruptedException {
    Duration wait = Duration.ofMillis(500);
    boolean migrated = false;
    while (events == null) {
      try {
        if (!migrated) {
          store.migrate();
          migrated = true;
          LOG.log(Level.INFO, "schema ready");
        }
        OrderEvents connected = new OrderEvents(settings, json);
        connected.startConfirming(store, metrics);
        events = connected;
        LOG.log(Level.INFO, "connected to the broker; ready");
      } catch (Exception e) {
        LOG.log(Level.WARNING, "not ready yet (" + e + "); retrying in " + wait.toMillis() + " ms");
        Thread.sleep(wait.toMillis());
        wait =
            wait.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0
                ? Duration.ofSeconds(5)
                : wait.multipliedBy(2);
      }
    }
  }

  void stop() {
    if (server != null) {
      server.stop(2);
    }
    if (executor != null) {
      executor.shutdown();
    }
    OrderEvents current = events;
    if (current != null) {
      try {
        current.close();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.DEBUG, "closing the broker connection", e);
      }
    }
  }

  private void ready(HttpExchange exchange) throws IOException {
    OrderEvents current = events;
    boolean database = store.healthy();
    boolean broker = current != null && current.healthy();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", database && broker ? "UP" : "DOWN");
    body.put("database", database ? "UP" : "DOWN");
    body.put("broker", broker ? "UP" : "DOWN");
    send(exchange, database && broker ? 200 : 503, body);
  }

  private void orders(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/orders") || path.equals("/orders/")) {
        if (!method.equals("POST")) {
          exchange.getResponseHeaders().add("Allow", "POST");
          send(exchange, 405, error("use POST to create an order"));
          return;
        }
        create(exchange);
      } else if (path.matches("/orders/\\d{1,18}")) {
        if (!method.equals("GET")) {
          exchange.getResponseHeaders().add("Allow", "GET");
          send(exchange, 405, error("use GET to read an order"));
          return;
        }
        long id = Long.parseLong(path.substring("/orders/".length()));
        Optional<Order> order = store.find(id);
        if (order.isPresent()) {
          send(exchange, 200, view(order.get()));
        } else {
          send(exchange, 404, error("no order " + id));
        }
      } else {
        send(exchange, 404, error("no such resource"));
      }
    } catch (Exception e) {
      LOG.log(Level.ERROR, "request failed: " + exchange.getRequestURI(), e);
      send(exchange, 500, error("internal error"));
    }
  }

  private void create(HttpExchange exchange) throws Exception {
    OrderEvents current = events;
    if (current == null) {
      send(exchange, 503, error("not ready"));
      return;
    }
    JsonNode request;
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY + 1);
      if (body.length > MAX_BODY) {
        send(exchange, 413, error("request body too large"));
        return;
      }
      request = json.readTree(body);
    } catch (IOException e) {
      send(exchange, 400, error("the body is not JSON"));
      return;
    }
    JsonNode item = request == null ? null : request.get("item");
    JsonNode quantity = request == null ? null : request.get("quantity");
    if (item == null
        || !item.isTextual()
        || item.asText().isBlank()
        || item.asText().length() > 200) {
      send(exchange, 400, error("'item' must be a non-empty string of at most 200 characters"));
      return;
    }
    if (quantity == null
        || !quantity.canConvertToInt()
        || !quantity.isIntegralNumber()
        || quantity.asInt() < 1
        || quantity.asInt() > 10_000) {
      send(exchange, 400, error("'quantity' must be a whole number from 1 to 10000"));
      return;
    }
    Order order = store.create(item.asText().strip(), quantity.asInt());
    metrics.orderCreated();
    current.publishCreated(order);
    exchange.getResponseHeaders().add("Location", "/orders/" + order.id());
    send(exchange, 201, view(order));
  }

  private static Map<String, Object> view(Order order) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", order.id());
    view.put("item", order.item());
    view.put("quantity", order.quantity());
    view.put("status", order.status());
    view.put("createdAt", order.createdAt().toString());
    return view;
  }

  private static Map<String, Object> error(String message) {
    return Map.of("error", message);
  }

  private void send(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, "application/json", json.writeValueAsString(body));
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
