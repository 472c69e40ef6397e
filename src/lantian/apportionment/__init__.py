"""Source apportionment (颗粒物/VOCs 源解析) by positive matrix factorisation with EPA's ESAT, run in
its own environment (``.venv-esat``): runs stored as records, factors named from marker species and
linked to the inventory's sectors (docs/apportionment.md)."""
