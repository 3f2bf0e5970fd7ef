"""The monthly report to the Chief Executive Management Team.

`measures` describes one month's figures, `render` presents them (text, JSON, CSV, HTML) and
`samples` builds plausible months for previews and tests.
"""
