package dev.sandbox.samples.orders;

import java.time.OffsetDateTime;

/**
 * A stored order.
 *
 * @param id database id
 * @param item what was ordered
 * @param quantity how many
 * @param status {@code PENDING} until the {@code order.created} event comes back, then {@code
 *     CONFIRMED}
 * @param createdAt when it was stored
 */
public record Order(long id, String item, int quantity, String status, OffsetDateTime createdAt) {}
