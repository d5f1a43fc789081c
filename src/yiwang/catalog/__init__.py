"""一网通办 service-item catalogue: basic catalogue, implementation lists, versions (issue 4)."""
