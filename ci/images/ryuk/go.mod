module sandbox.local/ryuk

go 1.22
