"""Issue 10's harness: newsarc crawl against a bare Scrapy spider and wget, reindex, trafilatura.

    python3 bench/performance.py [--pages 3000] [--latency-pages PAGES] [--no-latency]
        [--wget-seconds 40] [--trafilatura-pages 0] [--seed 0] [--out bench/out-performance]

One run, one machine, every figure next to the baseline it is compared with:

1. Generates a news site and a content farm that copies it (bench/perf/site.py): PAGES HTML
   pages in all, half on each host, 30-150 KB each (big heads, inline CSS and scripts,
   mega-menus, related stories, footers; stories of 400-1,500 words), as static files.
2. Serves them with nginx from Debian (bench/perf/nginx.py; apt-get installs nginx-light when
   it is missing), the news site on 127.0.0.1 and the farm on 127.0.0.2, gzip on.
3. Loopback scenario, same Scrapy settings (newsarc's `--fast` profile): (a) the bare
   link-following spider of bench/bare_spider.py, (b) `wget -r -l inf --no-parent --warc-file`
   (one connection, the hosts one after the other; wget's defaults: no gzip), (c) `newsarc crawl
   --fast` (WARC, extraction in the process pool, SQLite). Then (d) `newsarc reindex` of
   newsarc's WARCs with one worker per core and (e) plain `trafilatura.extract` on the site's
   HTML pages (all, or TRAFILATURA_PAGES of them evenly spread: the same mix of stories and
   listings), in one process. Pages are responses received (robots.txt included); CPU is user +
   system time of the command and all its descendants (nginx's is a column of its own);
   memory is the peak RSS of the largest process and the peak summed PSS of the process tree;
   "other jobs" is the CPU that the rest of the machine used meanwhile, in cores (from
   /proc/stat): a shared machine shows there, and the report warns above 0.25.
4. Latency scenario (unless --no-latency): the same site (or one of LATENCY_PAGES pages, when
   that differs from PAGES) served by the same nginx with 100-300 ms added to every response
   (per URL, the same for every crawler), crawled by the bare spider, newsarc and wget; wget
   fetches one page at a time, so it is stopped after WGET_SECONDS and its pages/s is what it
   archived in that time. The site is as big as the loopback one, 3,000 pages by default, as
   the issue asks of the harness's site: on a 1,000-page site a crawl lasts 12 s on 2 cores,
   and newsarc's fixed costs (2.3 s of start-up and closing steps: site re-cleaning, story
   clusters, farm signals, the last WARC's CDXJ index, against the bare spider's 0.7 s) weigh
   a tenth of it.
5. Prints the issue's targets with the measured ratios and whether each holds:
   - loopback: newsarc pages/s ≥ 0.8 × min(bare pages/s, cores ÷ (bare CPU s/page + trafilatura
     CPU s/doc)); newsarc's peak memory (tree PSS) < 500 MB;
   - reindex: HTML pages/s ≥ 0.8 × cores × trafilatura docs/s (its WARC records/s, request
     and response records both counted, are in the runs' table, not a target: two a page;
     a note under that table gives its steps' wall times, and the rate of its first step,
     extraction, alone against the same reference);
   - latency: newsarc pages/s ≥ 0.9 × bare pages/s and ≥ 10 × wget pages/s.

Writes OUT/results.json (every figure), OUT/results.md (the tables), OUT/logs/ (each command's
output) and keeps the sites, WARCs and databases in OUT (about 1 GB at the default size). About
8 minutes at the default size on 2 cores. Exit status 1 if a command fails; targets that do
not hold are reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's packages, not an editable install's

import scrapy  # noqa: E402
import trafilatura  # noqa: E402
from perf import nginx, runs, site  # noqa: E402

MEMORY_LIMIT_MB = 500
TICKS = os.sysconf("SC_CLK_TCK")
BUSY_MACHINE = 0.25  # cores used by other jobs during a run: its figures are suspect


def rate(figures: dict) -> float:
    return figures["pages"] / figures["wall"] if figures["wall"] else 0.0


def cpu_per_page(figures: dict) -> float:
    return figures["cpu"] / max(figures["pages"], 1)


# -- running it ----------------------------------------------------------------------------------


def generated(root: Path, pages: int, seed: int) -> dict:
    started = time.monotonic()
    stats = site.generate(root, pages, seed)
    hosts = {name: vars(s) for name, s in stats.items()}
    html = sum(s.pages for s in stats.values())
    return {"root": str(root), "hosts": hosts, "html_pages": html, "responses": html + len(stats),
            "seconds": time.monotonic() - started}  # fmt: skip


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes) since boot."""
    user, nice, system, _idle, _iowait, irq, softirq = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    )
    return (user + nice + system + irq + softirq) / TICKS


def observed(master: object | None, run: Callable[..., dict], *args: object) -> dict:
    """RUN's figures, plus nginx's CPU and the CPU of everything else on the machine meanwhile
    (other jobs on a shared machine: `other_cores` is their average load during the run)."""
    server, busy = nginx.cpu_seconds(master) if master else 0.0, busy_seconds()
    figures = run(*args)
    figures["server_cpu"] = (nginx.cpu_seconds(master) if master else 0.0) - server
    mine = figures["cpu"] + figures["server_cpu"] + figures.get("wrapper_cpu", 0.0)
    other = busy_seconds() - busy - mine
    figures["other_cores"] = max(other, 0.0) / figures["wall"]
    print(f"  {args[0]}: {figures['wall']:.1f} s, others on the machine used "
          f"{figures['other_cores']:.2f} cores", flush=True)  # fmt: skip
    return figures


def crawl_scenario(master: object, bases: list[str], out: Path, prefix: str,
                   wget_timeout: float | None) -> dict:  # fmt: skip
    return {
        "bare": observed(master, runs.run_bare, f"{prefix}bare", bases, out),
        "wget": observed(master, runs.run_wget, f"{prefix}wget", bases, out, wget_timeout),
        "newsarc": observed(master, runs.run_newsarc, f"{prefix}newsarc", bases, out),
    }


def served(sites: dict[str, Path], delayed: bool) -> list[nginx.Served]:
    return [
        nginx.Served(sites["news"], "127.0.0.1", delayed),
        nginx.Served(sites["farm"], "127.0.0.2", delayed),
    ]


def measure_all(args: argparse.Namespace, out: Path, results: dict) -> None:
    print("generating the sites ...", flush=True)
    results["site"] = generated(out / "site", args.pages, args.seed)
    loopback = served({h: out / "site" / h for h in ("news", "farm")}, False)
    latency: list[nginx.Served] = []
    if args.latency:
        # The default: the loopback site's files, served a second time with the delays.
        same = args.latency_pages == args.pages
        folder = out / ("site" if same else "site-latency")
        results["latency_site"] = (
            results["site"] if same else generated(folder, args.latency_pages, args.seed)
        )
        latency = served({h: folder / h for h in ("news", "farm")}, True)
    with nginx.running(loopback + latency) as (placed, master):
        print("loopback scenario ...", flush=True)
        bases = [s.base for s in placed[:2]]
        results["loopback"] = crawl_scenario(master, bases, out, "", None)
        if latency:
            print("latency scenario ...", flush=True)
            bases = [s.base for s in placed[2:]]
            results["latency"] = crawl_scenario(master, bases, out, "latency-", args.wget_seconds)
    print("reindex and trafilatura ...", flush=True)
    warcs = Path(results["loopback"]["newsarc"]["warcs"])
    results["reindex"] = observed(None, runs.run_reindex, "reindex", warcs, out, args.cores)
    files = site.html_files(out / "site")
    files = runs.sample(files, args.trafilatura_pages or len(files))
    pages = runs.read_pages(files)
    results["trafilatura"] = observed(None, runs.run_trafilatura, "trafilatura", pages)


# -- the targets ---------------------------------------------------------------------------------


def target(name: str, value: float, reference: float, need: float, higher: bool = True) -> dict:
    ratio = value / reference if reference else 0.0
    holds = ratio >= need if higher else ratio < need
    return {"target": name, "value": value, "reference": reference, "ratio": ratio,
            "need": f"{'≥' if higher else '<'} {need}", "holds": holds}  # fmt: skip


def targets(results: dict, cores: int) -> list[dict]:
    loop, traf = results["loopback"], results["trafilatura"]
    bare, newsarc = loop["bare"], loop["newsarc"]
    traf_cpu, traf_rate = traf["cpu"] / traf["docs"], traf["docs"] / traf["wall"]
    allowed = min(rate(bare), cores / (cpu_per_page(bare) + traf_cpu))
    results["machine_allowed_pages_s"] = allowed
    reindex = results["reindex"]
    found = [
        target("loopback: newsarc pages/s ÷ machine-allowed pages/s", rate(newsarc), allowed, 0.8),
        target(
            f"loopback: newsarc peak memory (tree PSS, MB) ÷ {MEMORY_LIMIT_MB} MB",
            newsarc["tree_pss_mb"],
            MEMORY_LIMIT_MB,
            1.0,
            higher=False,
        ),
        target(
            f"reindex: HTML pages/s ÷ ({cores} × trafilatura docs/s)",
            reindex["pages"] / reindex["wall"],
            cores * traf_rate,
            0.8,
        ),
    ]
    if "latency" in results:
        lat = results["latency"]
        found += [
            target(
                "latency: newsarc pages/s ÷ bare pages/s",
                rate(lat["newsarc"]),
                rate(lat["bare"]),
                0.9,
            ),
            target(
                "latency: newsarc pages/s ÷ wget pages/s",
                rate(lat["newsarc"]),
                rate(lat["wget"]),
                10.0,
            ),
        ]
    return found


# -- the report ----------------------------------------------------------------------------------


def crawl_rows(scenario: str, figures: dict[str, dict]) -> list[str]:
    names = {"bare": "bare Scrapy spider", "wget": "wget --warc-file", "newsarc": "newsarc crawl"}
    rows = []
    for key, name in names.items():
        f = figures[key]
        stopped = " (stopped)" if f.get("timed_out") else ""
        rows.append(
            f"| {scenario} | {name}{stopped} | {f['pages']} | {f['wall']:.1f} | {rate(f):.1f} "
            f"| {1000 * cpu_per_page(f):.2f} | {f['rss_mb']:.0f} | {f['tree_pss_mb']:.0f} "
            f"| {1000 * f['server_cpu'] / max(f['pages'], 1):.2f} | {f['other_cores']:.2f} |"
        )
    return rows


def crawl_table(results: dict) -> list[str]:
    lines = [
        "| scenario | crawler | pages | wall s | pages/s | CPU ms/page | peak RSS MB, largest "
        "process | peak PSS MB, process tree | nginx CPU ms/page | other jobs, cores |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *crawl_rows("loopback", results["loopback"]),
    ]
    if "latency" in results:
        lines += crawl_rows("latency 100-300 ms", results["latency"])
    return lines


def work_table(results: dict, cores: int) -> list[str]:
    r, t = results["reindex"], results["trafilatura"]
    return [
        "| run | records | HTML pages / docs | wall s | records/s | pages/s, docs/s | CPU ms/page "
        "| peak RSS MB, largest process | peak PSS MB, process tree | other jobs, cores |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| newsarc reindex, {cores} workers | {r['records']} | {r['pages']} | {r['wall']:.1f} "
        f"| {r['records'] / r['wall']:.1f} | {r['pages'] / r['wall']:.1f} "
        f"| {1000 * r['cpu'] / max(r['pages'], 1):.2f} | {r['rss_mb']:.0f} "
        f"| {r['tree_pss_mb']:.0f} | {r['other_cores']:.2f} |",
        f"| plain trafilatura.extract, 1 process | – | {t['docs']} | {t['wall']:.1f} | – "
        f"| {t['docs'] / t['wall']:.1f} | {1000 * t['cpu'] / t['docs']:.2f} | – | – "
        f"| {t['other_cores']:.2f} |",
    ]


def target_table(found: list[dict]) -> list[str]:
    lines = ["| target | measured | reference | ratio | needed | holds |",
             "| --- | ---: | ---: | ---: | --- | --- |"]  # fmt: skip
    for t in found:
        lines.append(
            f"| {t['target']} | {t['value']:.1f} | {t['reference']:.1f} | {t['ratio']:.2f} "
            f"| {t['need']} | {'yes' if t['holds'] else '**no**'} |"
        )
    return lines


def site_line(name: str, figures: dict) -> str:
    hosts = figures["hosts"].values()
    html = sum(h["html_bytes"] for h in hosts)
    packed = sum(h["gzip_bytes"] for h in hosts)
    pages = figures["html_pages"]
    return (
        f"{name}: {pages} HTML pages on 2 hosts ({figures['responses']} responses with "
        "robots.txt), "
        f"{sum(h['articles'] for h in hosts)} stories; HTML {html / pages / 1024:.0f} KB a page on "
        f"average ({min(h['smallest'] for h in hosts) / 1024:.0f}-"
        f"{max(h['largest'] for h in hosts) / 1024:.0f} KB), gzip {html / packed:.1f}:1"
    )


def completeness(results: dict) -> list[str]:
    notes = []
    for scenario, key in (("loopback", "site"), ("latency", "latency_site")):
        expected = results.get(key, {}).get("responses")
        for name, f in results.get(scenario, {}).items():
            if expected and f["pages"] < expected and not f.get("timed_out"):
                notes.append(f"- {scenario} {name} received {f['pages']} of {expected} responses")
    return notes


def busy_warnings(results: dict) -> list[str]:
    runs_ = {f"{s} {n}": f for s in ("loopback", "latency") for n, f in results.get(s, {}).items()}
    runs_ |= {"reindex": results["reindex"], "trafilatura": results["trafilatura"]}
    busy = [f"{name} ({f['other_cores']:.2f})" for name, f in runs_.items()
            if f["other_cores"] > BUSY_MACHINE]  # fmt: skip
    if not busy:
        return []
    return [f"- other jobs used more than {BUSY_MACHINE} cores during: {', '.join(busy)}; "
            "the figures of those runs are low and the ratios unreliable"]  # fmt: skip


def newsarc_notes(results: dict) -> list[str]:
    """Where newsarc's wall time goes: start-up, crawling, closing steps; its main process."""
    lines = []
    for scenario in ("loopback", "latency"):
        f = results.get(scenario, {}).get("newsarc")
        if not f:
            continue
        p = f["phases"]
        steps = ", ".join(f"{name} {seconds:.1f}" for name, seconds in p["closing_steps"].items())
        processes = f["cpu_by_process"]
        main = processes[0]["cpu"] if processes else 0.0
        rest = sum(process["cpu"] for process in processes[1:])
        lines.append(
            f"- newsarc crawl, {scenario}: {p['startup']:.1f} s start-up, {p['crawling']:.1f} s "
            f"crawling ({f['pages'] / p['crawling']:.1f} pages/s), {p['closing']:.1f} s of "
            f"closing steps after the last page ({steps}); CPU: crawler process {main:.1f} s "
            f"({1000 * main / max(f['pages'], 1):.1f} ms/page), extraction workers and others "
            f"{rest:.1f} s"
        )
    return lines


def reindex_notes(results: dict, cores: int) -> list[str]:
    """Where the reindex's wall time goes: its steps, and the extraction step's own rate (the
    first step: reading the WARCs and analysing the pages, before the steps that need every
    article) against the same reference as the target."""
    r, t = results["reindex"], results["trafilatura"]
    steps = r.get("steps") or {}
    if "extraction" not in steps:
        return []
    pages_s = r["pages"] / max(steps["extraction"], 1e-6)
    reference = cores * t["docs"] / t["wall"]
    listed = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
    rest = r["wall"] - sum(steps.values())
    return [
        f"- newsarc reindex: {listed}; start-up and the rest {rest:.1f} s. The extraction step "
        f"alone: {pages_s:.1f} pages/s = {pages_s / reference:.2f} × ({cores} × trafilatura "
        "docs/s)"
    ]


def report(results: dict, found: list[dict]) -> list[str]:
    m = results["machine"]
    lines = [
        f"{results['date']} · {m['cores']} cores ({m['cpu']}) · {m['platform']} · Python "
        f"{m['python']} · Scrapy {m['scrapy']} · trafilatura {m['trafilatura']} · {m['nginx']} · "
        f"{m['wget']}",
        f"load average before / after: {results['load_before']:.2f} / {results['load_after']:.2f}",
        "",
        site_line("loopback site", results["site"]),
    ]
    if "latency_site" in results:
        lines.append(site_line("latency site", results["latency_site"]))
        seconds = results["args"]["wget_seconds"]
        lines.append(f"wget on the latency site: stopped after {seconds:.0f} s")
    lines += ["", *crawl_table(results), "", *newsarc_notes(results), ""]
    lines += [*work_table(results, m["cores"]), *reindex_notes(results, m["cores"]), ""]
    lines.append(
        f"machine-allowed pages/s = min(bare {rate(results['loopback']['bare']):.1f}, "
        f"{m['cores']} ÷ ({1000 * cpu_per_page(results['loopback']['bare']):.2f} + "
        f"{1000 * results['trafilatura']['cpu'] / results['trafilatura']['docs']:.2f} ms)) = "
        f"{results['machine_allowed_pages_s']:.1f}"
    )
    lines += ["", *target_table(found), *completeness(results), *busy_warnings(results)]
    return lines


def version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError:
        return "missing"
    return (done.stdout + done.stderr).strip().splitlines()[0]


def machine(cores: int) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return {"cores": cores, "cpu": cpu, "platform": platform.platform(),
            "python": platform.python_version(), "scrapy": scrapy.__version__,
            "trafilatura": trafilatura.__version__,
            "nginx": version(["nginx", "-v"]).replace("nginx version: ", ""),
            "wget": " ".join(version([runs.WGET, "--version"]).split()[:3])}  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000, help="HTML pages of the loopback site")
    parser.add_argument("--latency-pages", type=int, default=0,
                        help="HTML pages of the latency site (0: the loopback site's files, "
                             "served with the delays)")  # fmt: skip
    parser.add_argument("--no-latency", dest="latency", action="store_false",
                        help="skip the latency scenario")  # fmt: skip
    parser.add_argument("--wget-seconds", type=float, default=40,
                        help="wget's time on the latency site")  # fmt: skip
    parser.add_argument("--trafilatura-pages", type=int, default=0,
                        help="at most this many pages for trafilatura (0: all)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "out-performance")
    args = parser.parse_args()
    args.cores = os.cpu_count() or 1
    args.latency_pages = args.latency_pages or args.pages
    return args


def main() -> int:
    args = parse_args()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    (out / "logs").mkdir(parents=True)
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_before": os.getloadavg()[0],
    }
    try:
        nginx.ensure_nginx()
        results["machine"] = machine(args.cores)
        measure_all(args, out, results)
    except (nginx.NginxError, runs.RunError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    results["load_after"] = os.getloadavg()[0]
    found = targets(results, args.cores)
    results["targets"] = found
    text = "\n".join(report(results, found))
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    (out / "results.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
