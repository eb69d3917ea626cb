"""Political-ecology evaluation workbench: pipeline stages and the helpers they share."""
