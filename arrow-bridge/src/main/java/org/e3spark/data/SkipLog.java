package org.e3spark.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The structures a reader skipped under {@link ErrorPolicy#SKIP}: how many, and the first
 * {@value #KEPT_MESSAGES} messages in order. Not thread-safe (one per reader).
 */
public final class SkipLog {

    /** How many messages are kept; the count goes on past it. */
    public static final int KEPT_MESSAGES = 20;

    private long count;
    private final List<String> messages = new ArrayList<>();

    /** Applies the policy to one invalid structure: throws under FAIL, records under SKIP. */
    public void handle(ErrorPolicy policy, InvalidStructureException e) {
        if (policy == ErrorPolicy.FAIL) {
            throw e;
        }
        count++;
        if (messages.size() < KEPT_MESSAGES) {
            messages.add(e.getMessage());
        }
    }

    public long count() {
        return count;
    }

    /** The first messages, oldest first. */
    public List<String> messages() {
        return List.copyOf(messages);
    }

    /** One line for logs and CLIs: "skipped 3 invalid structures; first: ...". */
    public String summary() {
        if (count == 0) {
            return "skipped 0 invalid structures";
        }
        return "skipped " + count + " invalid structure" + (count == 1 ? "" : "s") + "; first: " + messages.getFirst();
    }
}
