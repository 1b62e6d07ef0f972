package dev.agentwarden.core.model;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Prices per model in micro-dollars per million tokens (input and output), for spend budgets.
 * A model that is not in the table is priced at the table's fallback, so an unknown model is
 * never free.
 */
public final class PriceTable {
  /** Price of one model: micro-dollars per million input and per million output tokens. */
  public record Price(long inputPerMillion, long outputPerMillion) {
    public Price {
      if (inputPerMillion < 0 || outputPerMillion < 0) {
        throw new IllegalArgumentException("prices are >= 0");
      }
    }
  }

  private final Map<String, Price> prices;
  private final Price fallback;

  private PriceTable(Map<String, Price> prices, Price fallback) {
    this.prices = Map.copyOf(prices);
    this.fallback = fallback;
  }

  public static PriceTable of(Map<String, Price> prices, Price fallback) {
    return new PriceTable(prices, fallback);
  }

  /**
   * List prices (USD, November 2026 public price pages) for common models; anything else costs
   * the fallback of $10 / $30 per million tokens.
   */
  public static PriceTable standard() {
    Map<String, Price> p = new TreeMap<>();
    p.put("gpt-4o", new Price(2_500_000, 10_000_000));
    p.put("gpt-4o-mini", new Price(150_000, 600_000));
    p.put("gpt-4.1", new Price(2_000_000, 8_000_000));
    p.put("gpt-4.1-mini", new Price(400_000, 1_600_000));
    p.put("gpt-4.1-nano", new Price(100_000, 400_000));
    p.put("o3-mini", new Price(1_100_000, 4_400_000));
    return new PriceTable(p, new Price(10_000_000, 30_000_000));
  }

  public Optional<Price> listed(String model) {
    return Optional.ofNullable(prices.get(model));
  }

  /** Cost of a call in micro-dollars, rounded up. */
  public long costMicros(String model, long promptTokens, long completionTokens) {
    Price p = prices.getOrDefault(model, fallback);
    return ceilDiv(Math.multiplyExact(promptTokens, p.inputPerMillion()), 1_000_000)
        + ceilDiv(Math.multiplyExact(completionTokens, p.outputPerMillion()), 1_000_000);
  }

  private static long ceilDiv(long a, long b) {
    return Math.ceilDiv(a, b);
  }
}
