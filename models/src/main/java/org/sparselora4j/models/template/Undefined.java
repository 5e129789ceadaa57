package org.sparselora4j.models.template;

/**
 * A name or attribute that is not there, as Jinja's default {@code Undefined}: false, empty when printed or
 * iterated, equal only to another undefined; arithmetic or attribute access on it is an error naming it.
 */
public final class Undefined {
    private final String what;

    Undefined(String what) {
        this.what = what;
    }

    String what() {
        return what;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Undefined;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "";
    }
}
