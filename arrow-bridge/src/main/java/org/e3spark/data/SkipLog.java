package org.e3spark.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The structures a reader skipped under {@link ErrorPolicy#SKIP}: every one, in order, with its id
 * where the input gave one and the reason (which names the file, frame or row). Every entry is
 * kept, because each rejected row must reach the errors output with its own reason; an entry is
 * one short string, small next to the structures the same reader returns. Not thread-safe (one per
 * reader).
 */
public final class SkipLog {

    /** One skipped structure: its id (null when the input had none, or an unusable one) and why. */
    public record Entry(Long structureId, String message) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Applies the policy to one invalid structure whose id is unknown: throws under FAIL, records under SKIP. */
    public void handle(ErrorPolicy policy, InvalidStructureException e) {
        handle(policy, null, e);
    }

    /** As above, for a structure whose id is known. */
    public void handle(ErrorPolicy policy, Long structureIdOrNull, InvalidStructureException e) {
        if (policy == ErrorPolicy.FAIL) {
            throw e;
        }
        entries.add(new Entry(structureIdOrNull, e.getMessage()));
    }

    public long count() {
        return entries.size();
    }

    /** Every skipped structure, oldest first. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Every message, oldest first. */
    public List<String> messages() {
        return entries.stream().map(Entry::message).toList();
    }

    /** One line for logs and CLIs: "skipped 3 invalid structures; first: ...". */
    public String summary() {
        if (entries.isEmpty()) {
            return "skipped 0 invalid structures";
        }
        return "skipped " + entries.size() + " invalid structure" + (entries.size() == 1 ? "" : "s") + "; first: "
                + entries.getFirst().message();
    }
}
