"""`qiangshi lottery run --inputs DIR --seed-parts PART,PART,... --out DIR` and
`qiangshi lottery verify --inputs DIR --result DIR`: the placement lottery (POLICY §10, draw
version 1) on files, with no database.

`run` reads `schools.csv` and `pupils.csv` from DIR and writes `result.csv`, `manifest.json` and
every intermediate list (`lottery_numbers.csv`, `round_policy.csv`, `round_1.csv` … `round_zone.csv`)
into the out directory; bad input writes nothing and exits 1 with every problem in Chinese and
English. `verify` re-runs the draw from the manifest's seed parts and exits 0 when every file is
identical, 1 naming the first difference.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.engines import lottery as engine


def _bilingual(zh: str, en: str) -> str:
    return f"{zh}\n{en}"


class Command(BaseCommand):
    help = "Placement lottery: run a draw from CSV files; verify a draw against its manifest."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("run", help="run a draw: inputs DIR → result.csv, manifest.json, lists")
        r.add_argument("--inputs", required=True, help="directory with schools.csv and pupils.csv")
        r.add_argument(
            "--seed-parts",
            required=True,
            help="the witnesses' seed parts, comma-separated, in order (taken exactly as typed)",
        )
        r.add_argument("--out", required=True, help="directory to write the result into")
        v = sub.add_parser("verify", help="re-run a draw from its manifest and compare")
        v.add_argument("--inputs", required=True, help="directory with schools.csv and pupils.csv")
        v.add_argument("--result", required=True, help="directory with result.csv, manifest.json")

    def handle(self, *args, **opts):
        if opts["action"] == "run":
            return self._run(opts)
        return self._verify(opts)

    def _read_inputs(self, directory: str) -> dict[str, bytes | None]:
        base = Path(directory)
        if not base.is_dir():
            raise CommandError(
                _bilingual(f"输入目录不存在：{directory}", f"No such inputs directory: {directory}")
            )
        return {
            n: (base / n).read_bytes() if (base / n).is_file() else None for n in engine.INPUT_FILES
        }

    def _run(self, opts):
        inputs = self._read_inputs(opts["inputs"])
        missing = [n for n, data in inputs.items() if data is None]
        if missing:
            raise CommandError(
                _bilingual(
                    f"输入目录中缺少文件：{'、'.join(missing)}",
                    f"Missing input file(s) in {opts['inputs']}: {', '.join(missing)}",
                )
            )
        out = Path(opts["out"])
        names = [*engine.OUTPUT_FILES, engine.MANIFEST_FILE]
        existing = [n for n in names if (out / n).exists()]
        if existing:
            raise CommandError(
                _bilingual(
                    f"输出目录已有派位结果（{'、'.join(existing)}），不会覆盖；请换一个目录。",
                    f"The out directory already holds a draw ({', '.join(existing)}); "
                    "nothing overwritten: choose another directory.",
                )
            )
        parts = opts["seed_parts"].split(",")
        try:
            output = engine.run_draw(inputs["schools.csv"], inputs["pupils.csv"], parts)
        except engine.LotteryInputError as exc:
            raise CommandError(
                _bilingual(
                    "输入有误，未派位，未写任何文件：\n" + exc.message_zh,
                    "Bad input: no draw was made and nothing was written:\n" + exc.message_en,
                )
            ) from None
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            (out / name).write_bytes(output.files[name])
        c = output.manifest["counts"]
        self.stdout.write(
            f"seed {output.manifest['seed']}\n"
            f"chain {output.manifest['chain_sha256']}\n"
            f"pupils {c['pupils']}  policy {c['policy']}  round 1 {c['1']}  round 2 {c['2']}  "
            f"round 3 {c['3']}  zone {c['zone']}  unplaced {c['unplaced']}\n"
            f"Wrote {len(names)} files to {out}"
        )

    def _verify(self, opts):
        inputs = self._read_inputs(opts["inputs"])
        base = Path(opts["result"])
        if not base.is_dir():
            raise CommandError(
                _bilingual(
                    f"结果目录不存在：{opts['result']}",
                    f"No such result directory: {opts['result']}",
                )
            )
        names = [*engine.OUTPUT_FILES, engine.MANIFEST_FILE]
        results = {n: (base / n).read_bytes() if (base / n).is_file() else None for n in names}
        difference = engine.verify(inputs, results)
        if difference is not None:
            raise CommandError(
                _bilingual(
                    "核验不通过，第一处不同：" + difference.text("zh"),
                    "Verification failed; first difference: " + difference.text("en"),
                )
            )
        manifest = json.loads(results[engine.MANIFEST_FILE])
        self.stdout.write(
            _bilingual(
                f"核验通过：重新派位的结果与 {opts['result']} 中的全部文件一致。",
                f"Verified: the re-run is identical to every file in {opts['result']}.",
            )
            + f"\nseed {manifest['seed']}\nchain {manifest['chain_sha256']}"
        )
