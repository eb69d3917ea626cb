"""`python -m pipeline.stages.ingest` runs the stage (what dvc.yaml calls)."""

from pipeline.stages.ingest.stage import main

main()
