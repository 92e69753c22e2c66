"""`schoolbrug` – the one command-line entry point. `schoolbrug COMMAND --help` for each command."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT, Settings


def _db(settings: Settings):
    from bot.db import open_db

    return open_db(settings.db_path)


# ------------------------------------------------------------------ run / train
def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import serve

    if settings.uses_emulator and not args.emulator and not sys.stdin.isatty():
        print("No TELEGRAM_BOT_TOKEN is set and this is not a terminal. A bot without a token talks only to the "
              "local emulator, which nobody can reach from Telegram. Set TELEGRAM_BOT_TOKEN, or pass --emulator "
              "if the local emulator is what you want.", file=sys.stderr)
        return 2
    asyncio.run(serve(settings, interactive=False if args.no_chat else None))
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from bot.training import train

    out = Path(args.out) if args.out else settings.model_dir
    languages = tuple(args.languages.split(",")) if args.languages else None
    kwargs: dict[str, Any] = {"force": args.force}
    if languages:
        kwargs["languages"] = languages
    if args.config:
        kwargs["config"] = Path(args.config).resolve()
    path = train(out, **kwargs)
    print(path)
    return 0


# ------------------------------------------------------------------------ ask
def _load_assistant(settings: Settings, model: str | None):
    from bot.assistant import Assistant
    from bot.training import ensure_model, quiet_rasa

    quiet_rasa()
    path = Path(model) if model else ensure_model(settings.model_dir)
    return Assistant.from_model(path)


def _school_profile(settings: Settings, school: str | None) -> dict | None:
    if not school:
        return None
    from bot.profile import load_profile

    path = Path(school)
    if not path.exists():
        path = settings.schools_dir / f"{school}.yml"
    return load_profile(path).to_json_dict()


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _load_assistant(settings, args.model)
    school = _school_profile(settings, args.school)
    out = sys.stdout
    if args.jsonl:
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = str(item.get("text") or "")
            except (ValueError, AttributeError) as err:
                out.write(json.dumps({"id": None, "error": f"line {n}: not a JSON object ({err})"}) + "\n")
                continue
            sender = item.get("sender")
            decision = assistant.respond(text, sender=str(sender) if sender is not None else None,
                                         lang_hint=item.get("lang") or args.lang, school=school)
            out.write(json.dumps(decision.contract(item.get("id")), ensure_ascii=False) + "\n")
            out.flush()
        return 0
    if not args.text:
        print("schoolbrug ask: give a TEXT or --jsonl", file=sys.stderr)
        return 2
    decision = assistant.respond(" ".join(args.text), sender=args.sender, lang_hint=args.lang, school=school)
    out.write(json.dumps(decision.contract(None), ensure_ascii=False) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import evaluate, format_report

    assistant = _load_assistant(settings, args.model)
    rows = [json.loads(l) for l in Path(args.file).read_text(encoding="utf-8").splitlines() if l.strip()]
    report = evaluate(assistant, rows, use_lang_hint=not args.no_lang_hint)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_report(report))
    return 0


def cmd_crossval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import cross_validate

    languages = tuple(args.languages.split(",")) if args.languages else None
    print(cross_validate(folds=args.folds, out=Path(args.out), languages=languages))
    return 0


# --------------------------------------------------------------- administration
def cmd_school(args: argparse.Namespace, settings: Settings) -> int:
    from bot import store
    from bot.profile import ProfileError, load_profile

    if args.action == "team-chat":
        db = _db(settings)
        if not args.path or store.get_school(db, args.path) is None or args.chat_id is None:
            print("usage: schoolbrug school team-chat SCHOOL_ID --chat-id -100...", file=sys.stderr)
            return 2
        db["schools"].update(args.path, {"team_chat_id": args.chat_id})
        store.audit(db, "cli", "admin", "team_chat", args.path, str(args.chat_id))
        print(f"{args.path}: escalations now open a topic in chat {args.chat_id}")
        return 0
    if args.action == "list":
        db = _db(settings)
        for s in store.list_schools(db):
            print(f"{s['id']}\t{s['name']}\t(updated {s['updated_at']})")
        return 0
    if not args.path:
        print(f"schoolbrug school {args.action}: give the profile's path", file=sys.stderr)
        return 2
    try:
        profile = load_profile(args.path)
    except ProfileError as err:
        print(f"The profile was refused; nothing was changed.\n{err}", file=sys.stderr)
        return 1
    if args.action == "validate":
        print(f"{args.path}: OK ({profile.name}, {len(profile.classes)} classes)")
        return 0
    stats = store.upsert_school(_db(settings), profile, str(args.path))
    print(f"{profile.id}: {profile.name} saved ({stats['classes_added']} classes added, "
          f"{stats['classes_updated']} updated)")
    return 0


def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot import store
    from bot.invites import deep_link, write_qr_png

    db = _db(settings)
    if store.get_school(db, args.school) is None:
        print(f"No school {args.school!r}. Load its profile first: schoolbrug school load schools/<id>.yml",
              file=sys.stderr)
        return 1
    username = args.bot or settings.bot_username or "SchoolbrugBot"
    if args.kind == "parent":
        klass = store.find_class(db, args.school, args.klass or "")
        if klass is None:
            codes = [r["code"] for r in db["classes"].rows_where("school_id = ?", [args.school])]
            print(f"No class {args.klass!r} at {args.school}. Classes: {', '.join(codes)}", file=sys.stderr)
            return 1
        token = store.create_invite(db, store.PARENT_INVITE, args.school, class_id=klass["id"], days_valid=args.days)
        link = deep_link(username, token)
        qr = Path(args.qr) if args.qr else PROJECT_ROOT / "var" / "invites" / f"{args.school}-{klass['code']}.png"
        write_qr_png(link, qr)
        print(f"{klass['name']}: {link}\nQR code: {qr}")
        return 0
    if args.role not in store.STAFF_ROLES:
        print(f"--role must be one of {', '.join(store.STAFF_ROLES)}", file=sys.stderr)
        return 2
    token = store.create_invite(db, args.role, args.school, role=args.role, name=args.name,
                                days_valid=min(args.days, 14), max_uses=1)
    print(f"{args.role} invite for {args.name or '(name on first use)'}, one use: {deep_link(username, token)}")
    return 0


def cmd_people(args: argparse.Namespace, settings: Settings) -> int:
    from bot import store

    db = _db(settings)
    store.audit(db, "cli", "admin", "people_list", args.school, args.school or "*")
    for r in store.list_people(db, args.school):
        extra = r.get("classes") or r.get("languages") or ""
        print(f"{r['school_id']}\t{r['role']}\t{r['name'] or '–'}\t{r['telegram_id']}\t{extra}")
    return 0


def cmd_escalations(args: argparse.Namespace, settings: Settings) -> int:
    from bot import escalations

    db = _db(settings)
    rows = escalations.list_active(db, args.school)
    if not rows:
        print("no open escalations")
    for e in rows:
        who = e["claimed_by"] or e["assigned_to"] or "-"
        print(f"#{e['id']}\t{e['school_id']}\t{e['status']}\t{e['language']}\t{e['topic']}\t"
              f"{escalations.minutes_open(e):.0f} min\tstaff {who}")
    return 0


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    import json as _json

    from bot import escalations, store

    db = _db(settings)
    key = (args.telegram_id, args.school)
    if not db.execute("select 1 from staff where telegram_id = ? and school_id = ?", list(key)).fetchone():
        print(f"{args.telegram_id} is not staff of {args.school}; invite them first (schoolbrug invite staff ...)",
              file=sys.stderr)
        return 1
    changes: dict[str, Any] = {}
    if args.languages:
        changes["languages"] = _json.dumps(sorted(set(args.languages.split(","))))
    if args.hours:
        try:
            changes["working_hours"] = _json.dumps(escalations.parse_hours(args.hours))
        except ValueError as err:
            print(str(err), file=sys.stderr)
            return 2
    if args.active is not None:
        changes["active"] = int(args.active == "yes")
    if changes:
        db["staff"].update(key, changes)
        store.audit(db, "cli", "admin", "staff_update", args.school, str(args.telegram_id), changes)
    row = db["staff"].get(key)
    print(f"{row['name']} ({row['role']}): languages {row['languages']}, hours {row['working_hours'] or 'mon-fri 08:30-16:30'}, "
          f"active {bool(row['active'])}")
    return 0


def cmd_letter(args: argparse.Namespace, settings: Settings) -> int:
    """`letter explain FILE...` (several files = pages of one letter), `letter add FILE` (a school registers
    its own letter, so a photo of it gets the school's exact facts), `letter list`."""
    from dataclasses import replace as dc_replace
    from datetime import date

    from bot.letters import explain, registry, with_school_version

    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
        deadline = date.fromisoformat(args.deadline) if args.deadline else None
    except ValueError as err:
        print(f"a date must be YYYY-MM-DD ({err})", file=sys.stderr)
        return 2
    if args.action == "list":
        if not args.school:
            print("letter list needs --school", file=sys.stderr)
            return 2
        for row in registry.list_letters(_db(settings), args.school):
            print(f"#{row['id']}\t{row['created_at'][:10]}\t{row['title']}")
        return 0
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing or not args.files:
        print(f"no such file: {', '.join(missing) or '(none given)'}", file=sys.stderr)
        return 2
    result = explain([Path(f).read_bytes() for f in args.files], lang=args.lang, today=today)
    if args.action == "add":
        if not args.school or not result.facts:
            print("letter add needs --school and a readable letter", file=sys.stderr)
            return 2
        db = _db(settings)
        if db["schools"].count_where("id = ?", [args.school]) == 0:
            print(f"unknown school {args.school!r} (load its profile first)", file=sys.stderr)
            return 2
        facts = result.facts
        changes = {k: v for k, v in (("kind", args.kind), ("colour", args.colour), ("deadline", deadline)) if v}
        facts = dc_replace(facts, **changes)
        letter_id = registry.add(db, args.school, args.title or Path(args.files[0]).stem, result.text, facts)
        print(json.dumps({"id": letter_id, **with_school_version(result, facts, "nl").to_json(), "text": None})
              if args.json else f"letter #{letter_id} registered for {args.school}: {facts.kind}, {facts.colour}, "
                                f"deadline {facts.deadline or '–'}")
        return 0
    if args.school:
        known = registry.match(_db(settings), args.school, result.text)
        if known:
            result = with_school_version(result, known["facts"], args.lang)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(result.reply)
    return 0


def cmd_i18n(args: argparse.Namespace, settings: Settings) -> int:
    from bot.i18n_tools import update_catalogues

    print(update_catalogues())
    return 0


# -------------------------------------------------------------------- remind
def cmd_remind(args: argparse.Namespace, settings: Settings) -> int:
    """schoolbrug remind create|list|show|status|cancel|export|calllist|teach (bot/reminders.py)."""
    import csv

    from bot import reminders, store

    db = _db(settings)
    out = sys.stdout
    if args.action == "create":
        if not args.target:
            print("usage: schoolbrug remind create FILE.yml [--json]", file=sys.stderr)
            return 2
        try:
            fields = reminders.load_file(args.target, db)
        except reminders.ReminderError as err:
            print(f"The reminder was refused; nothing was sent.\n{err}", file=sys.stderr)
            return 1
        created = reminders.create(db, fields, created_by="cli", tz=settings.tz,
                                   paid_allowed=settings.paid_broadcast, retention_days=settings.retention_days)
        for warning in created.warnings:
            print(f"⚠️  {warning}", file=sys.stderr)
        if args.json:
            out.write(json.dumps({"id": created.id, "new": created.new, "recipients": created.recipients,
                                  "paid_cost_stars": created.paid_cost_stars, "warnings": created.warnings},
                                 ensure_ascii=False) + "\n")
        else:
            when = "now" if fields["send_at"] == "now" else fields["send_at"]
            verb = "created" if created.new else "already exists (not sent twice)"
            print(f"reminder #{created.id} {verb}: {fields['colour']} «{fields['title']}» to {created.recipients} "
                  f"families, send at {when} (the running bot sends it)")
            if created.paid_cost_stars:
                print(f"paid broadcast: {created.paid_cost_stars} Stars ({reminders.PAID_STAR_COST} per message)")
        return 0
    if args.action == "list":
        for r in reminders.list_for(db, args.school):
            print(f"#{r['id']}\t{r['school_id']}\t{reminders.EMOJI[r['colour']]} {r['colour']}\t{r['status']}\t"
                  f"{r['send_at']}\t{r['title']}")
        return 0
    if args.action == "teach":
        if not (args.school and args.telegram_id and args.classes):
            print("usage: schoolbrug remind teach --school ID --telegram-id N --classes L1A,L5A", file=sys.stderr)
            return 2
        if escalations_role(db, args.telegram_id, args.school) is None:
            print(f"{args.telegram_id} is not staff of {args.school}", file=sys.stderr)
            return 1
        codes = sorted({c.strip() for c in args.classes.split(",") if c.strip()})
        db["staff"].update((args.telegram_id, args.school), {"classes": json.dumps(codes)})
        store.audit(db, "cli", "admin", "staff_classes", args.school, str(args.telegram_id), {"classes": codes})
        print(f"{args.telegram_id} sends reminders to {', '.join(codes)}")
        return 0
    try:
        rid = int(args.target or "")
    except ValueError:
        print(f"schoolbrug remind {args.action} ID: give the reminder's number", file=sys.stderr)
        return 2
    rem = reminders.get(db, rid)
    if rem is None:
        print(f"no reminder #{rid}", file=sys.stderr)
        return 1
    if args.action == "show":
        data = {k: v for k, v in rem.items() if not k.startswith("status_")}
        data["bring"], data["audience"] = json.loads(rem["bring"] or "[]"), json.loads(rem["audience"])
        out.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        if not args.json:
            print("\n--- as a parent sees it (" + (args.lang or "nl") + ") ---")
            print(reminders.render(rem, args.lang or "nl", reminders.translation_of(db, rid, args.lang or "nl"),
                                   settings.tz).text)
        return 0
    if args.action == "status":
        s = reminders.status(db, rid)
        print(json.dumps(s, ensure_ascii=False) if args.json else reminders.status_text(s))
        return 0
    if args.action == "cancel":
        n = reminders.cancel(db, rid)
        print(f"reminder #{rid} cancelled ({n} messages not sent)")
        return 0
    rows = reminders.call_list(db, rid) if args.action == "calllist" else reminders.export_rows(db, rid)
    if args.action == "calllist" and not args.csv:
        for r in rows:
            print(f"{r['name'] or '–'}\t{r['language']}\t{r['class'] or '–'}\t{r['phone'] or '–'}\t{r['why']}")
        if not rows:
            print("nobody on the call list for this reminder")
        return 0
    if args.json:
        out.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return 0
    columns = list(rows[0]) if rows else (["caregiver_id", "name", "language", "class", "phone", "why"]
                                           if args.action == "calllist" else ["caregiver_id"])
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return 0


def escalations_role(db, telegram_id: int, school_id: str):
    from bot.escalations import role_at

    return role_at(db, telegram_id, school_id)
# ---------------------------------------------------------------------- votes
def cmd_vote(args: argparse.Namespace, settings: Settings) -> int:
    """Sticker votes (bot/votes.py): the CLI stores and reads; the running bot sends and closes on time."""
    from bot import votes

    db = _db(settings)
    try:
        if args.action == "create":
            spec = votes.load_spec(args.target, db, tz=settings.tz)
            vote_id = votes.create(db, spec, created_by="cli", source=str(args.target))
            if args.json:
                print(json.dumps({"id": vote_id}))
            else:
                print(f"vote {vote_id} created: the running bot sends it at "
                      f"{votes.local_time(votes.get(db, vote_id)['opens_at'], settings.tz)} and closes it at "
                      f"{votes.local_time(votes.get(db, vote_id)['closes_at'], settings.tz)}")
            return 0
        if args.action == "list":
            rows = votes.list_votes(db, args.school)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False))
            for v in [] if args.json else rows:
                print(f"{v['id']}\t{v['school_id']}\t{v['status']}\t{v['closes_at']}\t{v['question']}")
            return 0
        if not args.target or not str(args.target).isdigit():
            print(f"schoolbrug vote {args.action}: give the vote's id", file=sys.stderr)
            return 2
        vote_id = int(args.target)
        if args.action == "status":
            info = votes.status(db, vote_id)
            if args.json:
                print(json.dumps(info, ensure_ascii=False))
            else:
                vote = votes.get(db, vote_id)
                print(f"vote {vote_id} [{info['status']}] {info['question']}\n{info['participants']} of "
                      f"{info['sent_to']} caregivers took part, {info['stickers_placed']} stickers")
                print("\n".join(votes.result_lines(vote, info["tally"], "nl")))
            return 0
        if args.action == "close":
            closing = votes.close(db, vote_id, tz=settings.tz)
            vote = votes.get(db, vote_id)
            if not vote["chart_sent_at"]:
                votes.record_chart_sent(db, vote_id, votes.chart_png(vote))
            print(json.dumps({"id": vote_id, "closed": True, "participants": closing.participants,
                              "stickers_placed": closing.stickers_placed, "tally": closing.tally,
                              "already_closed": closing.already}))
            return 0
        if args.action == "export":
            info = votes.export(db, vote_id)
            if args.format == "json":
                print(json.dumps(info, ensure_ascii=False, indent=1))
            elif args.format == "csv":
                print("rank,id,sticker,label,stickers")
                for n, r in enumerate(info["ranking"], 1):
                    print(f"{n},{r['id']},{r['sticker']},\"{r['label'].replace(chr(34), chr(39))}\",{r['stickers']}")
            else:
                print(f"# {info['question']}\n\n{info['participants']} deelnemers, {info['stickers_placed']} stickers"
                      "\n\n| # | keuze | stickers |\n|---|---|---|")
                for n, r in enumerate(info["ranking"], 1):
                    print(f"| {n} | {r['sticker']} {r['label']} | {r['stickers']} |")
                for a in info["announcements"]:
                    print(f"\n**Jullie zeiden, wij doen** ({a['created_at'][:10]}): {a['text']}")
            if args.chart:
                Path(args.chart).write_bytes(votes.chart_png(votes.get(db, vote_id), info["tally"]))
            return 0
    except votes.VoteError as err:
        print(f"The vote was refused; nothing was changed.\n{err}" if args.action == "create" else str(err),
              file=sys.stderr)
        return 1
    return 2


def cmd_cards(args: argparse.Namespace, settings: Settings) -> int:
    """Conversation cards (bot/cards.py): start a round, read the themes, make the dot vote, the top 10."""
    from datetime import datetime, timezone

    import yaml

    from bot import cards, votes

    db = _db(settings)
    try:
        if args.action == "start":
            if not args.school:
                print("schoolbrug cards start --school ID [--classes L1A,L1B] [--every-hours 48]", file=sys.stderr)
                return 2
            audience = {"classes": args.classes.split(",")} if args.classes else "all"
            starts = votes._when(args.starts, "--starts", settings.tz) if args.starts else None
            round_id = cards.start_round(db, args.school, audience, starts, args.every_hours)
            print(json.dumps({"round": round_id}) if args.json else
                  f"round {round_id}: the running bot sends card 1 now (or at --starts), then one every "
                  f"{args.every_hours:g} hours")
            return 0
        if args.round is None:
            print(f"schoolbrug cards {args.action}: give the round's id", file=sys.stderr)
            return 2
        if args.action == "themes":
            print(cards.themes_csv(db, args.round) if args.format == "csv" else cards.themes_markdown(db, args.round))
            return 0
        if args.action == "vote":
            if not args.closes_at:
                print("schoolbrug cards vote ROUND --closes-at 'YYYY-MM-DD HH:MM' [--stickers 3] [--draft FILE]",
                      file=sys.stderr)
                return 2
            data = cards.vote_from_themes(db, args.round, votes._when(args.closes_at, "--closes-at", settings.tz),
                                          args.stickers)
            if args.draft:  # the council edits the labels, then: schoolbrug cards vote ROUND --from FILE
                Path(args.draft).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
                print(f"draft written to {args.draft}")
                return 0
            if args.source:
                data = yaml.safe_load(Path(args.source).read_text(encoding="utf-8"))
            spec = votes.parse_spec(data, db, tz=settings.tz)
            vote_id = votes.create(db, spec, created_by="cli", source=f"cards round {args.round}")
            cards.link_vote(db, args.round, vote_id)
            print(json.dumps({"id": vote_id}) if args.json else f"dot vote {vote_id} created for round {args.round}")
            return 0
        if args.action == "top10":
            if args.send:
                print(f"top 10 sent to {cards.send_top10(db, args.round)} parents")
                return 0
            print(cards.top10_csv(db, args.round) if args.format == "csv" else cards.top10_markdown(db, args.round))
            return 0
    except votes.VoteError as err:
        print(str(err), file=sys.stderr)
        return 1
    return 2


# ------------------------------------------------------------------------ main
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="schoolbrug", description="Schoolbrug: a Telegram assistant for parents of "
                                "pupils in Flemish schools, in their own language.")
    p.add_argument("-v", "--verbose", action="store_true", help="more logging")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="start the bot (Telegram with TELEGRAM_BOT_TOKEN, else the local emulator)")
    r.add_argument("--no-chat", action="store_true", help="with the emulator: do not open the terminal chat")
    r.add_argument("--emulator", action="store_true",
                   help="run against the local Bot API emulator even though standard input is not a terminal")
    r.set_defaults(func=cmd_run)

    t = sub.add_parser("train", help="train the Rasa model (skipped when an up-to-date one exists)")
    t.add_argument("--force", action="store_true", help="train even when the model is up to date")
    t.add_argument("--languages", help="comma-separated subset of tier-1 languages (default: all)")
    t.add_argument("--config", help="another Rasa config file")
    t.add_argument("--out", help="model folder (default: models/ or SCHOOLBRUG_MODEL_DIR)")
    t.set_defaults(func=cmd_train)

    a = sub.add_parser("ask", help="answer messages offline and print the decision as JSON (BRIEF §6)")
    a.add_argument("text", nargs="*", help="the message")
    a.add_argument("--sender", help="conversation id: the same sender continues one conversation")
    a.add_argument("--lang", help="the parent's known language (a hint, e.g. from their profile)")
    a.add_argument("--jsonl", action="store_true", help="read JSON lines {id, text, sender?, lang?} from stdin")
    a.add_argument("--school", help="school id or profile path whose facts fill the answers")
    a.add_argument("--model", help="a model file (default: the trained model in models/)")
    a.set_defaults(func=cmd_ask)

    e = sub.add_parser("eval", help="score a JSONL file in the format of shared/spec/eval-sample.jsonl")
    e.add_argument("file")
    e.add_argument("--model")
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.add_argument("--no-lang-hint", action="store_true", help="ignore the file's lang field (test detection)")
    e.set_defaults(func=cmd_eval)

    c = sub.add_parser("crossval", help="rasa test nlu cross-validation of the NLU pipeline")
    c.add_argument("--folds", type=int, default=5)
    c.add_argument("--out", default=str(PROJECT_ROOT / "var" / "crossval"))
    c.add_argument("--languages", help="comma-separated subset of tier-1 languages (default: all)")
    c.set_defaults(func=cmd_crossval)

    s = sub.add_parser("school", help="create, update, validate or list school profiles")
    s.add_argument("action", choices=["load", "validate", "list", "team-chat"])
    s.add_argument("path", nargs="?", help="the profile, e.g. schools/de-regenboog.yml (team-chat: the school id)")
    s.add_argument("--chat-id", type=int, help="team-chat: the staff supergroup's chat id (with topics)")
    s.set_defaults(func=cmd_school)

    i = sub.add_parser("invite", help="create an invite link (+ QR code for parents)")
    i.add_argument("kind", choices=["parent", "staff"])
    i.add_argument("--school", required=True, help="school id")
    i.add_argument("--class", dest="klass", help="class code, for parent invites (e.g. L1A)")
    i.add_argument("--role", default="staff", help="staff, brugfiguur or admin, for staff invites")
    i.add_argument("--name", help="the colleague's name, for staff invites")
    i.add_argument("--days", type=int, default=365, help="days the link stays valid")
    i.add_argument("--qr", help="where to write the QR code PNG")
    i.add_argument("--bot", help="the bot's @username (default: SCHOOLBRUG_BOT_USERNAME)")
    i.set_defaults(func=cmd_invite)

    pe = sub.add_parser("people", help="list staff, brugfiguren, admins and linked parents")
    pe.add_argument("--school", help="only this school")
    pe.set_defaults(func=cmd_people)

    es = sub.add_parser("escalations", help="list open hand-offs to brugfiguren with their age")
    es.add_argument("--school", help="only this school")
    es.set_defaults(func=cmd_escalations)

    st = sub.add_parser("staff", help="set a colleague's languages, working hours or activity")
    st.add_argument("--school", required=True)
    st.add_argument("--telegram-id", type=int, required=True)
    st.add_argument("--languages", help="comma-separated codes they speak, e.g. nl,tr,en")
    st.add_argument("--hours", help="working hours, e.g. 'mon-fri 08:30-16:30; wed 08:30-12:00'")
    st.add_argument("--active", choices=["yes", "no"])
    st.set_defaults(func=cmd_staff)

    le = sub.add_parser("letter", help="explain a photographed Dutch school letter in the parent's language")
    le.add_argument("action", choices=["explain", "add", "list"],
                    help="explain a photo; add: register the school's own letter (a PDF); list the registered ones")
    le.add_argument("files", nargs="*", metavar="FILE", help="photos or PDFs; several files are pages of one letter")
    le.add_argument("--school", help="the school (add, list; with explain: recognise the school's own letters)")
    le.add_argument("--title", help="add: a title for staff (default: the file name)")
    le.add_argument("--kind", choices=["invitation", "payment", "trip", "change", "attendance", "report", "health",
                                       "information"], help="add: the letter's kind, when it reads otherwise")
    le.add_argument("--colour", choices=["red", "green", "orange", "white"], help="add: the colour in the parents' code")
    le.add_argument("--deadline", help="add: YYYY-MM-DD, the deadline the letter sets")
    le.add_argument("--lang", default="nl", help="the parent's language (default nl)")
    le.add_argument("--today", help="YYYY-MM-DD: the day relative dates ('volgende woensdag') count from")
    le.add_argument("--json", action="store_true", help="print one JSON object: kind, colour, dates, times, "
                    "amounts, deadline, bring, slip, text, reply")
    le.set_defaults(func=cmd_letter)
    rm = sub.add_parser("remind", help="colour-coded reminders: create FILE.yml, list, show/status/cancel/export/"
                                       "calllist ID, teach (a teacher's classes)")
    rm.add_argument("action", choices=["create", "list", "show", "status", "cancel", "export", "calllist", "teach"])
    rm.add_argument("target", nargs="?", help="create: the reminder file; show/status/...: the reminder's number")
    rm.add_argument("--json", action="store_true", help="print JSON")
    rm.add_argument("--csv", action="store_true", help="calllist: CSV (name, language, class, phone, why)")
    rm.add_argument("--school", help="list/teach: the school id")
    rm.add_argument("--lang", help="show: render as a parent with this language sees it")
    rm.add_argument("--telegram-id", type=int, help="teach: the teacher's Telegram id")
    rm.add_argument("--classes", help="teach: comma-separated class codes, e.g. L1A,L5A")
    rm.set_defaults(func=cmd_remind)
    v = sub.add_parser("vote", help="sticker votes: create FILE.yml, list, status ID, close ID, export ID")
    v.add_argument("action", choices=["create", "list", "status", "close", "export"])
    v.add_argument("target", nargs="?", help="create: the vote file (YAML); status/close/export: the vote id")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.add_argument("--school", help="list: only this school")
    v.add_argument("--format", choices=["md", "csv", "json"], default="md", help="export: the format")
    v.add_argument("--chart", help="export: also write the bar chart (PNG) here")
    v.set_defaults(func=cmd_vote)

    cd = sub.add_parser("cards", help="conversation cards: start, themes ROUND, vote ROUND, top10 ROUND")
    cd.add_argument("action", choices=["start", "themes", "vote", "top10"])
    cd.add_argument("round", nargs="?", type=int, help="the round's id (all but start)")
    cd.add_argument("--school", help="start: the school id")
    cd.add_argument("--classes", help="start: only these classes, comma-separated (default: the whole school)")
    cd.add_argument("--every-hours", type=float, default=48.0, help="start: hours between the three cards")
    cd.add_argument("--starts", help="start: when card 1 goes out (YYYY-MM-DD HH:MM; default now)")
    cd.add_argument("--closes-at", help="vote: when the dot vote closes (YYYY-MM-DD HH:MM)")
    cd.add_argument("--stickers", type=int, default=3, help="vote: stickers per caregiver")
    cd.add_argument("--draft", help="vote: write the vote file here for the council to edit, create nothing")
    cd.add_argument("--from", dest="source", help="vote: create the vote from this (edited) file")
    cd.add_argument("--format", choices=["md", "csv"], default="md")
    cd.add_argument("--send", action="store_true", help="top10: send the ranked top 10 to the parents")
    cd.add_argument("--json", action="store_true")
    cd.set_defaults(func=cmd_cards)

    g = sub.add_parser("i18n", help="refresh the translation catalogues after changing interface text")
    g.set_defaults(func=cmd_i18n)
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "telegram", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for ours in ("schoolbrug", "bot"):  # Rasa lowers the root level while it trains; ours stay audible
        logging.getLogger(ours).setLevel(logging.DEBUG if args.verbose else logging.INFO)
    sys.exit(args.func(args, Settings.from_env()))


if __name__ == "__main__":
    main()
