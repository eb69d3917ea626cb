"""Pipeline stages: each computes and writes marts; none imports pipeline.report."""
