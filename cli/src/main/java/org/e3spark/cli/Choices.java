package org.e3spark.cli;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Direction;

/** The spellings the command line accepts for library enums. */
final class Choices {

    private Choices() {
    }

    static DType dtype(String s) {
        return switch (s.toLowerCase()) {
            case "f32", "float32", "fp32", "float" -> DType.FLOAT32;
            case "f64", "float64", "fp64", "double" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("dtype '" + s + "' must be f32 or f64");
        };
    }

    static Backend backend(String s) {
        return switch (s.toLowerCase()) {
            case "cpu" -> Backend.CPU;
            case "cpu-reference", "reference" -> Backend.CPU_REFERENCE;
            case "cuda" -> Backend.CUDA;
            case "auto" -> Backend.AUTO;
            default -> throw new IllegalArgumentException("backend '" + s + "' must be cpu, cpu-reference, cuda or auto");
        };
    }

    static Direction direction(String s) {
        return switch (s.toLowerCase()) {
            case "forward", "fwd" -> Direction.FORWARD;
            case "backward", "bwd" -> Direction.BACKWARD;
            case "double-backward", "dbwd", "double" -> Direction.DOUBLE_BACKWARD;
            default -> throw new IllegalArgumentException("direction '" + s + "' must be forward, backward or double-backward");
        };
    }

    static String name(DType d) {
        return d == DType.FLOAT32 ? "f32" : "f64";
    }

    static String name(Backend b) {
        return b.name().toLowerCase().replace('_', '-');
    }

    static String name(Direction d) {
        return d.name().toLowerCase().replace('_', '-');
    }
}
