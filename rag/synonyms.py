"""Names analysts give the same figure: 营收 / 营业收入 / revenue, 资本开支 / capex / "purchases of property, plant
and equipment", PE / 市盈率. A question using one name finds passages using another (BM25 gets the other names'
terms) and a sentence using another holds the question's term (sentence scoring credits it).

Only names that mean the same figure are grouped; a broader word ("收入", "income") is never widened.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .keyword import tokenize
from .textnorm import HAN, fold

_GROUPS = [
    ["营业收入", "营收", "营业总收入", "revenue", "net sales", "total net sales"],
    ["归母净利润", "归母净利", "归属于母公司股东的净利润", "归属于母公司所有者的净利润", "归属于上市公司股东的净利润",
     "net income attributable to shareholders", "net income attributable to common shareholders"],
    ["扣非净利润", "扣非归母净利润", "扣除非经常性损益后的净利润"],
    ["毛利率", "gross margin"],
    ["净利率", "销售净利率", "net margin", "net profit margin"],
    ["每股收益", "eps", "earnings per share"],
    ["净资产收益率", "roe", "return on equity"],
    ["总资产收益率", "roa", "return on assets"],
    ["市盈率", "pe", "pe ratio", "price to earnings", "price-to-earnings"],
    ["市净率", "pb", "pb ratio", "price to book", "price-to-book"],
    ["资本开支", "资本支出", "capex", "capital expenditure", "purchases of property, plant and equipment",
     "购建固定资产、无形资产和其他长期资产支付的现金"],
    ["经营活动现金流", "经营性现金流", "经营现金流", "经营活动产生的现金流量净额", "operating cash flow",
     "cash flow from operating activities", "net cash provided by operating activities"],
    ["自由现金流", "fcf", "free cash flow"],
    ["营业成本", "销售成本", "cogs", "cost of goods sold", "cost of revenue", "cost of sales"],
    ["研发费用", "研发投入", "r&d", "research and development"],
    ["同比", "yoy", "year over year", "year-over-year"],
    ["环比", "qoq", "quarter over quarter", "quarter-over-quarter"],
    ["市场份额", "市占率", "market share"],
    ["资产负债率", "debt to asset ratio", "debt-to-asset ratio"],
    ["目标价", "target price", "price target"],
    # what a broker report recommends is what it "建议关注" (watch), its 推荐 list
    ["建议关注", "推荐", "recommend", "recommended", "recommends"],
    ["评级", "投资评级", "rating", "investment rating"],
    ["增速", "增长率", "增长速度", "growth rate"],
    ["经济增长", "经济增速"],
    ["国内生产总值", "gdp"],
    # a report states its forecast as "预计2024年美国经济增速为1.7%"
    ["预测", "预计", "预估", "forecast", "projection"],
    ["居民消费价格指数", "消费者物价指数", "消费价格指数", "cpi", "consumer price index"],
    ["通胀", "通货膨胀", "inflation"],
    ["外商直接投资", "fdi", "foreign direct investment"],
    ["原因", "因素"],   # "份额提升的原因" is answered by "推动份额提升的因素包括…"
    ["影响", "导致", "致使"],   # "经济增长受到了什么影响" ← "主要央行同步加息应对通胀，导致全球经济增长减速"
    # "哪些因素推动了经济增长" ← "支撑经济增长的重要驱动力"
    ["推动", "拉动", "带动", "支撑", "驱动", "驱动力", "促使", "drive", "drivers"],
    ["计算", "折算"],   # "按平均汇率计算" ← "按照平均汇率折算"
    ["义务", "责任"],   # "是否有义务更新" ← "没有对此报告更新…的责任"
    ["多元化", "多样化", "diversification"],
    ["本名", "原名", "真名", "本来的名字", "原来的名字", "真实姓名", "real name"],
    ["下跌", "走跌", "下挫"],
    ["出生地", "出生于", "生于", "出生在", "birthplace", "place of birth"],   # "出生地在哪里" ← "1952年生于马来西亚"
    ["为食", "吃", "捕食", "进食", "觅食"],   # "以什么为食" ← "牠们吃细小的脊椎动物"
    ["得名", "称作", "命名为"],   # "为什么称作北土城站" ← "因地处元大都北城垣遗址中轴而得名"
    ["栖息", "栖息于", "生活在", "生活于"],   # "生活在什么地带" ← "栖息在热带森林"
    # standard sections, named across languages ("the risks of the semiconductor report": 风险提示)
    ["风险提示", "风险因素", "risks", "risk factors", "key risks"],
    ["投资建议", "investment recommendation", "investment recommendations", "investment advice"],
    ["报告摘要", "摘要", "核心观点", "summary", "key takeaways", "executive summary"],
    ["采购经理指数", "采购经理人指数", "pmi", "purchasing managers index", "purchasing managers' index"],
    # research vocabulary across languages: a Chinese question about an English report (and the reverse)
    # holds its words by their names there ("固态电池什么时候量产": solid-state, mass production)
    ["电池", "battery", "batteries"],
    ["电芯", "cell", "cells"],
    ["动力电池", "ev battery", "ev batteries"],
    ["锂电池", "锂离子电池", "lithium-ion battery", "lithium-ion batteries"],
    ["电池包", "电池组", "battery pack", "battery packs"],
    ["固态电池", "solid-state battery", "solid-state batteries", "solid-state cells"],
    ["固态", "solid-state"],
    ["钠离子", "sodium-ion"],
    ["磷酸铁锂", "lfp", "lithium iron phosphate"],
    ["三元", "nmc"],
    ["碳酸锂", "lithium carbonate"],
    ["储能", "energy storage", "stationary storage"],
    ["新能源汽车", "电动车", "电动汽车", "ev", "evs", "electric vehicle", "electric vehicles"],
    ["量产", "mass production", "volume production"],
    ["产能", "capacity"],
    ["利用率", "utilisation", "utilization", "utilisation rate", "utilization rate"],
    ["需求", "demand"],
    ["供给", "供应", "supply"],
    ["出货量", "shipments"],
    ["装机量", "installations"],
    ["渗透率", "penetration"],
    ["市场规模", "market size"],
    ["集中度", "concentration"],
    ["价格", "price", "prices"],
    ["成本", "cost", "costs"],
    ["净利润", "net profit", "net income"],
    ["营业利润", "operating profit", "operating income"],
    ["估值", "valuation"],
    ["上涨空间", "上行空间", "upside"],
    ["增持", "overweight"],
    ["减持", "underweight"],
    ["买入", "buy"],
    ["首选", "首推", "top pick"],
    ["首席分析师", "lead analyst", "chief analyst"],
    ["分析师", "analyst", "analysts"],
    ["半导体", "semiconductor", "semiconductors"],
    ["芯片", "chip", "chips"],
    ["算力", "computing power", "compute"],
    ["推理", "inference"],
    ["训练", "training"],
    ["先进封装", "advanced packaging"],
    ["晶圆", "wafer", "wafers"],
    ["视频生成", "video generation"],
    ["视频", "video", "videos"],
    ["微短剧", "短剧", "short drama", "short dramas", "micro-drama", "micro-dramas"],
    ["广告", "advertising"],
    ["电商", "e-commerce"],
    ["出口", "exports"],
    ["进口", "imports"],
    ["利率", "interest rate", "interest rates"],
    ["汇率", "exchange rate", "exchange rates"],
    ["失业率", "unemployment rate"],
    ["货币政策", "monetary policy"],
    ["财政政策", "fiscal policy"],
    ["房地产", "real estate", "property market"],
]


@dataclass(frozen=True)
class Alias:
    """A name the question uses (its search terms) and the terms of each other name of that figure."""
    terms: frozenset[str]
    alternatives: tuple[frozenset[str], ...]


@functools.lru_cache(maxsize=1024)   # asked by retrieval and by sentence scoring for each question
def aliases_in(question: str) -> tuple[Alias, ...]:
    """The figures the question names that go by other names too."""
    folded = fold(question)
    found = []
    for group in _groups():
        used = [name for name, pattern in group if pattern.search(folded)]
        if used:
            longest = max(used, key=len)
            # an English name within the one used says it too ("utilisation" for "utilisation rate"); a Chinese
            # one within it is a broader word (短剧 in 微短剧)
            others = tuple(_name_terms(name) for name, _ in group
                           if name != longest and (name not in used or not HAN.search(name)))
            found.append(Alias(frozenset(tokenize(longest)), tuple(o for o in others if o)))
    return tuple(alias for alias in found if alias.terms and alias.alternatives)


def expansion_terms(question: str, asked: list[str]) -> list[str]:
    """Search terms of the other names of the figures the question names, beyond its own terms `asked`."""
    return list(dict.fromkeys(t for alias in aliases_in(question) for other in alias.alternatives
                              for t in sorted(other) if t not in asked))


@functools.cache
def _name_terms(name: str) -> frozenset[str]:
    """A name's search terms without the pieces of its longer words (营业收入, not also 收入)."""
    terms = set(tokenize(name))
    return frozenset(t for t in terms if not any(t != other and t in other for other in terms))


@functools.cache
def _groups() -> list[list[tuple[str, re.Pattern]]]:
    return [[(name, _pattern(name)) for name in group] for group in _GROUPS]


def _pattern(name: str) -> re.Pattern:
    """Chinese names match as written; English ones as whole words, plural or not ("expenditures")."""
    if HAN.search(name):
        return re.compile(re.escape(fold(name)))
    words = [re.escape(w) + "s?" for w in fold(name).split()]
    return re.compile(r"(?<![a-z0-9])" + r"\s+".join(words) + r"(?![a-z0-9])")
