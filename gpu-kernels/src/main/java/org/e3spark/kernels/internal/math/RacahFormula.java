package org.e3spark.kernels.internal.math;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Complex (Condon-Shortley) Clebsch-Gordan coefficients {@code <l1 m1, l2 m2 | l3 m3>} by Racah's
 * closed form, evaluated exactly.
 *
 * <p>The coefficient is {@code S * sqrt(R)} with S a signed sum of reciprocal factorial products
 * and R a ratio of factorials. Both are exact rationals here (big integers); the only rounding is
 * the final square root of {@code S^2 R}, taken to 40 significant digits. Floating-point factorials
 * would lose digits from l ~ 8 on, which is why e3nn's own recipe is exact too (SPEC §3).
 */
public final class RacahFormula {

    private static final MathContext SQRT_PRECISION = new MathContext(40);
    private static final List<BigInteger> FACTORIALS = new ArrayList<>(List.of(BigInteger.ONE));

    private RacahFormula() {
    }

    /**
     * {@code <l1 m1, l2 m2 | l3 m3>}; zero unless m3 = m1 + m2, |mi| <= li and the triangle rule holds.
     */
    public static double coefficient(int l1, int m1, int l2, int m2, int l3, int m3) {
        if (m3 != m1 + m2 || Math.abs(m1) > l1 || Math.abs(m2) > l2 || Math.abs(m3) > l3
                || l3 < Math.abs(l1 - l2) || l3 > l1 + l2) {
            return 0.0;
        }
        // S = sum_k (-1)^k / (k! (l1+l2-l3-k)! (l1-m1-k)! (l2+m2-k)! (l3-l2+m1+k)! (l3-l1-m2+k)!)
        int kMin = Math.max(0, Math.max(l2 - l3 - m1, l1 - l3 + m2));
        int kMax = Math.min(l1 + l2 - l3, Math.min(l1 - m1, l2 + m2));
        Fraction sum = Fraction.ZERO;
        for (int k = kMin; k <= kMax; k++) {
            BigInteger den = factorial(k)
                    .multiply(factorial(l1 + l2 - l3 - k))
                    .multiply(factorial(l1 - m1 - k))
                    .multiply(factorial(l2 + m2 - k))
                    .multiply(factorial(l3 - l2 + m1 + k))
                    .multiply(factorial(l3 - l1 - m2 + k));
            Fraction term = new Fraction(k % 2 == 0 ? BigInteger.ONE : BigInteger.ONE.negate(), den);
            sum = sum.add(term);
        }
        if (sum.signum() == 0) {
            return 0.0;
        }
        // R = (2 l3 + 1) (l3+l1-l2)! (l3-l1+l2)! (l1+l2-l3)! / (l1+l2+l3+1)!
        //     * (l3+m3)! (l3-m3)! (l1-m1)! (l1+m1)! (l2-m2)! (l2+m2)!
        BigInteger rNum = BigInteger.valueOf(2L * l3 + 1)
                .multiply(factorial(l3 + l1 - l2))
                .multiply(factorial(l3 - l1 + l2))
                .multiply(factorial(l1 + l2 - l3))
                .multiply(factorial(l3 + m3)).multiply(factorial(l3 - m3))
                .multiply(factorial(l1 - m1)).multiply(factorial(l1 + m1))
                .multiply(factorial(l2 - m2)).multiply(factorial(l2 + m2));
        BigInteger rDen = factorial(l1 + l2 + l3 + 1);
        Fraction squared = sum.multiply(sum).multiply(new Fraction(rNum, rDen));
        BigDecimal magnitude = new BigDecimal(squared.numerator())
                .divide(new BigDecimal(squared.denominator()), SQRT_PRECISION)
                .sqrt(SQRT_PRECISION);
        return sum.signum() * magnitude.doubleValue();
    }

    static synchronized BigInteger factorial(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("factorial of negative " + n);
        }
        while (FACTORIALS.size() <= n) {
            int k = FACTORIALS.size();
            FACTORIALS.add(FACTORIALS.get(k - 1).multiply(BigInteger.valueOf(k)));
        }
        return FACTORIALS.get(n);
    }

    /** An exact rational with a positive denominator, kept in lowest terms. */
    record Fraction(BigInteger numerator, BigInteger denominator) {
        static final Fraction ZERO = new Fraction(BigInteger.ZERO, BigInteger.ONE);

        Fraction {
            if (denominator.signum() == 0) {
                throw new ArithmeticException("zero denominator");
            }
            if (denominator.signum() < 0) {
                numerator = numerator.negate();
                denominator = denominator.negate();
            }
            BigInteger g = numerator.gcd(denominator);
            if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
                numerator = numerator.divide(g);
                denominator = denominator.divide(g);
            }
        }

        Fraction add(Fraction o) {
            return new Fraction(numerator.multiply(o.denominator).add(o.numerator.multiply(denominator)),
                    denominator.multiply(o.denominator));
        }

        Fraction multiply(Fraction o) {
            return new Fraction(numerator.multiply(o.numerator), denominator.multiply(o.denominator));
        }

        int signum() {
            return numerator.signum();
        }
    }
}
