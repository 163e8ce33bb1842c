"""Back-office pages, one module per area of work. Each view parses input, checks the role with
`staff_required`, calls one service and renders the result."""
