"""Needs: one assessment per household and date, its hardship grade, and the open need
items the matching engine serves (CN21-AS-1)."""
