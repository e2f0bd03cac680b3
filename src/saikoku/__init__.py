"""Saikoku: the reminder center system (催告等事務センター)."""
