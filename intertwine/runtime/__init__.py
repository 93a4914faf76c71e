"""How a run behaves, apart from what it computes: ``atomic`` (files written under a
temporary name and renamed, stale temporaries removed) and ``interrupt`` (Ctrl-C and
SIGTERM at safe points)."""
