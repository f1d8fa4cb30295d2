# plugins/reporting/sanity.py
async def assert_row_counts(ctx, *, threshold_percent: float = 50.0, **_) -> dict:
    source = ctx.get_connector("ops-db")
    target = ctx.get_connector("reporting-db")
    src_count = await source.scalar("select count(*) from public.customers")
    tgt_count = await target.scalar("select count(*) from reporting.customers")
    delta = abs(src_count - tgt_count) / max(tgt_count, 1) * 100
    ctx.log.info(f"source={src_count} · target={tgt_count} · delta={delta:.1f}%")
    if delta > threshold_percent:
        raise RuntimeError(f"row-count delta {delta:.1f}% > threshold {threshold_percent}%")
    return {"source_rows": src_count, "target_rows": tgt_count, "delta_percent": delta}
