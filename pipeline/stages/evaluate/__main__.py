"""`python -m pipeline.stages.evaluate` runs the stage (what dvc.yaml calls)."""

from pipeline.stages.evaluate import main

main()
