package org.e3spark.kernels;

/** e3nn's {@code normalization} argument of {@code o3.spherical_harmonics}. */
public enum ShNormalization {
    /** |Y^l(n)|^2 = 2l + 1 on the unit sphere (e3nn's default). */
    COMPONENT,
    /** |Y^l(n)|^2 = 1 on the unit sphere. */
    NORM,
    /** Each component has unit mean square over the sphere: component / sqrt(4 pi). */
    INTEGRAL;

    /** The factor from 'component' normalization to this one for degree l. */
    double factor(int l) {
        return switch (this) {
            case COMPONENT -> 1.0;
            case NORM -> 1.0 / Math.sqrt(2 * l + 1);
            case INTEGRAL -> 1.0 / Math.sqrt(4 * Math.PI);
        };
    }
}
