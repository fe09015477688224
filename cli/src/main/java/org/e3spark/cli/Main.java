package org.e3spark.cli;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** {@code bin/e3spark <command> [options]}: dispatches to one command class per verb. */
public final class Main {

    interface Command {
        String summary();

        int run(Options options) throws Exception;
    }

    /** A command that parses its own arguments (the Spark jobs, whose options spark-submit users know). */
    interface RawCommand extends Command {
        int runRaw(String[] args) throws Exception;

        @Override
        default int run(Options options) {
            throw new UnsupportedOperationException("raw command");
        }
    }

    /**
     * Commands are created on demand, so a command's dependencies (Arrow for graph, Spark for
     * featurize) need to be on the classpath only when that command runs.
     */
    private static final Map<String, Supplier<Command>> COMMANDS = new TreeMap<>(Map.of(
            "tp", () -> new TpCommand(),
            "bench", () -> new BenchCommand(),
            "conv-bench", () -> new ConvBenchCommand(),
            "sc-bench", () -> new ScBenchCommand(),
            "graph", () -> new GraphCommand(),
            "graph-bench", () -> new GraphBenchCommand(),
            "featurize", () -> new FeaturizeCommand(false),
            "featurize-bench", () -> new FeaturizeCommand(true),
            "kernels", () -> new KernelsCommand()));

    private Main() {
    }

    /** The verbs this class dispatches ({@code test} is the script's own). */
    static java.util.Set<String> commandNames() {
        return java.util.Collections.unmodifiableSet(COMMANDS.keySet());
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        Supplier<Command> factory = COMMANDS.get(args[0]);
        if (factory == null) {
            System.err.println("e3spark: unknown command '" + args[0] + "'");
            usage();
            return 2;
        }
        try {
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            Command command = factory.get();
            if (command instanceof RawCommand raw) {
                return raw.runRaw(rest);
            }
            return command.run(Options.parse(rest));
        } catch (IllegalArgumentException e) {
            System.err.println("e3spark " + args[0] + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("e3spark " + args[0] + " failed: " + e);
            e.printStackTrace(System.err);
            return 1;
        }
    }

    private static void usage() {
        System.err.println("usage: bin/e3spark <command> [--option value ...]");
        COMMANDS.forEach((name, c) -> System.err.printf("  %-15s %s%n", name, c.get().summary()));
        System.err.println("  test            run the test suite (handled by the script)");
    }
}
