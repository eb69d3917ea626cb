"""`python -m pipeline.stages.evaluate` runs the stage (what dvc.yaml calls)."""

from pipeline.stages.evaluate.stage import main

main()
