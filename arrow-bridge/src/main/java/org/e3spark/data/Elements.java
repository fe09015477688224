package org.e3spark.data;

import java.util.HashMap;
import java.util.Map;

/** Chemical element symbols and atomic numbers, H (1) to Og (118). */
public final class Elements {

    /** Largest atomic number. */
    public static final int MAX_Z = 118;

    private static final String[] SYMBOLS = (
            "X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
            + "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb "
            + "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf "
            + "Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og").split(" ");

    private static final Map<String, Integer> NUMBERS = new HashMap<>();

    static {
        if (SYMBOLS.length != MAX_Z + 1) {
            throw new IllegalStateException("element table has " + (SYMBOLS.length - 1) + " entries");
        }
        for (int z = 1; z <= MAX_Z; z++) {
            NUMBERS.put(SYMBOLS[z], z);
        }
    }

    private Elements() {
    }

    /** The symbol of atomic number z ("H" for 1). */
    public static String symbol(int z) {
        if (z < 1 || z > MAX_Z) {
            throw new IllegalArgumentException("atomic number must be in 1.." + MAX_Z + ", got " + z);
        }
        return SYMBOLS[z];
    }

    /**
     * The atomic number of a species token: a symbol as written ("Cu", case as in the periodic
     * table) or an atomic number ("29"). Returns 0 for an unknown token.
     */
    public static int number(String token) {
        Integer z = NUMBERS.get(token);
        if (z != null) {
            return z;
        }
        if (!token.isEmpty() && token.length() <= 3 && token.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(token);
            return n >= 1 && n <= MAX_Z ? n : 0;
        }
        return 0;
    }
}
