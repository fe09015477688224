package org.e3spark.kernels;

/**
 * How an instruction connects the channels of its two inputs to its output, e3nn's
 * {@code connection_mode}.
 */
public enum ConnectionMode {
    /**
     * {@code "uvu"}, channelwise: out[u,k] += c sum_{v,i,j} W[u,v] C[i,j,k] x[u,i] y[v,j]; the output
     * block's multiplicity equals input 1's. Weights (m1, m2). NequIP/MACE convolutions.
     */
    UVU("uvu"),
    /**
     * {@code "uvw"}, fully connected: out[w,k] += c sum_{u,v,i,j} W[u,v,w] C[i,j,k] x[u,i] y[v,j].
     * Weights (m1, m2, mo).
     */
    UVW("uvw");

    private final String e3nnName;

    ConnectionMode(String e3nnName) {
        this.e3nnName = e3nnName;
    }

    /** The e3nn string, "uvu" or "uvw". */
    public String e3nnName() {
        return e3nnName;
    }

    /** Parses e3nn's string; other e3nn modes ("uuu", "uvv", ...) are named as unsupported. */
    public static ConnectionMode fromE3nn(String name) {
        for (ConnectionMode m : values()) {
            if (m.e3nnName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("connection mode '" + name + "' is not supported; use \"uvu\" or \"uvw\"");
    }
}
