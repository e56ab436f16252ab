"""Quality-balance monitor (POLICY.md §1): rule sets, the registry adapter and commands; the
computation itself is `qiangshi.engines.balance`."""
