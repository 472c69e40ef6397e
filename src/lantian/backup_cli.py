"""``lantian backup`` / ``lantian backup verify`` / ``lantian restore`` (docs/backup.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from lantian.terminal import JsonOpt, WorkspaceOpt, friendly, out

backup_app = typer.Typer(help="Back up a workspace while the server runs (database, store, files); "
                              "`lantian backup verify FILE` checks one. Restore with `lantian restore`.",
                         invoke_without_command=True)


@backup_app.callback()
@friendly
def backup_command(ctx: typer.Context, workspace: WorkspaceOpt = None,
                   output: Annotated[Optional[Path], typer.Option("--output", "-o", help="The backup file to write "
                                                                  "(a .tar), outside the workspace.")] = None,
                   include_secrets: Annotated[bool, typer.Option(
                       "--include-secrets", help="Also copy the key that signs sessions and tokens.")] = False,
                   as_json: JsonOpt = False):
    """Back up the workspace: a consistent copy taken while the server runs."""
    if ctx.invoked_subcommand is not None:
        return
    from lantian.backup import backup
    from lantian.errors import UsageError
    from lantian.workspace import open_workspace
    if output is None:
        raise UsageError("name the backup file: lantian backup -w WORKSPACE -o FILE.tar")
    summary = backup(open_workspace(workspace), output, include_secrets=include_secrets)
    if as_json:
        out.print_json(json.dumps({k: v for k, v in summary.items() if k != "files"} | {"file": str(output)}))
        return
    size = output.stat().st_size
    d = summary["database"]
    out.print(f"备份已写入 {output}（{size:,} 字节，{len(summary['files'])} 个文件）", highlight=False)
    out.print(f"  数据库：{d['kind']}，迁移版本 {d['revision']}，{sum(d['tables'].values()):,} 行，{d['tool']}",
              highlight=False)
    out.print(f"  测量数据仓：版本 {summary['store']['version']}，{len(summary['store']['partitions'])} 个分区",
              highlight=False)
    if include_secrets:
        out.print("  签名密钥已包含（--include-secrets）：备份文件须像密钥一样保管", highlight=False)
    else:
        out.print("  签名密钥未包含：恢复后生成新密钥，已登录的会话和访问令牌需重新登录/签发"
                  "（要包含请加 --include-secrets）", highlight=False)


@backup_app.command("verify")
@friendly
def backup_verify(file: Annotated[Path, typer.Argument(help="The backup file.")], as_json: JsonOpt = False):
    """Check a backup: every file's size and SHA-256 against its manifest."""
    from lantian.backup import verify
    manifest = verify(file)
    if as_json:
        out.print_json(json.dumps({k: v for k, v in manifest.items() if k != "files"} | {"ok": True}))
        return
    out.print(f"{file}: 完好 — {len(manifest['files'])} 个文件校验一致（SHA-256），创建于 {manifest['created']}，"
              f"{manifest['database']['kind']} 数据库，测量数据仓版本 {manifest['store']['version']}",
              highlight=False)


@friendly
def restore_command(file: Annotated[Path, typer.Argument(help="The backup file.")],
                    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="The NEW workspace folder "
                                                            "(must not exist or be empty).")],
                    as_json: JsonOpt = False):
    """Restore a backup into a new workspace (checked first; the database is $LANTIAN_DATABASE_URL or the
    workspace's own SQLite file, and must be empty)."""
    from lantian.backup import restore
    result = restore(file, workspace)
    if as_json:
        out.print_json(json.dumps(result))
        return
    out.print(f"已恢复到 {result['workspace']}：{result['database']} 数据库 {sum(result['tables'].values()):,} 行，"
              f"测量数据仓版本 {result['store']['version']}，{result['files']} 个文件"
              + ("" if result["secrets_included"] else "；签名密钥未包含，已登录的用户需重新登录"), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    app.command("restore")(restore_command)
