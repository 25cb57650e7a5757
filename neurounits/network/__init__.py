"""Networks of neuron populations: connectivity rules, projections and their simulation."""
