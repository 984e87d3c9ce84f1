"""The pages of the case engine. Views read through selectors, write through services, and hold
no rule of the ladder themselves."""
