package dev.sandbox.samples.orders;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Optional;

/** Orders in PostgreSQL, one short-lived connection per call (enough for a sample). */
public final class OrderStore {

  static final String PENDING = "PENDING";
  static final String CONFIRMED = "CONFIRMED";

  private static final String SCHEMA =
      """
      create table if not exists orders (
        id         bigserial   primary key,
        item       text        not null,
        quantity   integer     not null check (quantity > 0),
        status     text        not null,
        created_at timestamptz not null default now()
      )""";

  private final Settings settings;

  public OrderStore(Settings settings) {
    this.settings = settings;
  }

  /** Creates the schema if it is missing; safe to run at every start. */
  public void migrate() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(SCHEMA);
    }
  }

  /** Stores a new {@code PENDING} order. */
  public Order create(String item, int quantity) throws SQLException {
    try (Connection c = connect();
        PreparedStatement s =
            c.prepareStatement(
                "insert into orders (item, quantity, status) values (?, ?, ?)"
                    + " returning id, item, quantity, status, created_at")) {
      s.setString(1, item);
      s.setInt(2, quantity);
      s.setString(3, PENDING);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return order(r);
      }
    }
  }

  /** The order with that id, if any. */
  public Optional<Order> find(long id) throws SQLException {
    try (Connection c = connect();
        PreparedStatement s =
            c.prepareStatement(
                "select id, item, quantity, status, created_at from orders where id = ?")) {
      s.setLong(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(order(r)) : Optional.empty();
      }
    }
  }

  /** Marks a pending order confirmed; false when it was already confirmed or does not exist. */
  public boolean confirm(long id) throws SQLException {
    try (Connection c = connect();
        PreparedStatement s =
            c.prepareStatement("update orders set status = ? where id = ? and status = ?")) {
      s.setString(1, CONFIRMED);
      s.setLong(2, id);
      s.setString(3, PENDING);
      return s.executeUpdate() == 1;
    }
  }

  /** Whether the database answers within two seconds. */
  public boolean healthy() {
    try (Connection c = connect()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
  }

  private static Order order(ResultSet r) throws SQLException {
    return new Order(
        r.getLong("id"),
        r.getString("item"),
        r.getInt("quantity"),
        r.getString("status"),
        r.getObject("created_at", OffsetDateTime.class));
  }
}
