"""Read models of the physical events: passages, presence, airlock cycles, and their rules."""
