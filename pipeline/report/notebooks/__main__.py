"""`python -m pipeline.report.notebooks`: run the notebooks stage."""

from pipeline.report.notebooks.stage import main

main()
