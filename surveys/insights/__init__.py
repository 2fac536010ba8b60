"""What a corporate parenting board sees: periods, rates and safe, anonymous figures.

- `periods`: UK financial years and quarters ("2017-18 Q4"), dates in UK time.
- `rates`: return rates, RAG ratings, direction of travel, scorecard rows.
- `disclosure`: suppression of small counts about children ("c"), with secondary and
  complement suppression so nothing can be worked out from totals.
- `redaction`: personal details taken out of quotes before a board reads them.

Everything here is pure Python; import from the modules themselves.
"""
