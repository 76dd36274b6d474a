#!/usr/bin/python3
"""Runs one kazoo recipe against a ZooKeeper-compatible server and checks
that it does real work (mutual exclusion, leader change, blocking barriers,
ordering, cache events, atomic transactions, session expiry).

usage: kazoo_recipes.py HOST:PORT RECIPE ROOT

Prints "FACT key=value" lines the Go driver asserts on, then "PASS RECIPE".
Any failed check prints "FAIL: ..." and exits 1. A watchdog kills the script
if it hangs.
"""
import logging
import os
import signal
import sys
import threading
import time
import traceback

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import (AuthFailedError, BadVersionError,
                              InvalidACLError, KazooException, LockTimeout,
                              NoAuthError, NoNodeError, NodeExistsError,
                              NotEmptyError, RolledBackError,
                              RuntimeInconsistency)
from kazoo.recipe.barrier import Barrier, DoubleBarrier
from kazoo.recipe.cache import TreeCache, TreeEvent
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock, ReadLock, Semaphore, WriteLock
from kazoo.recipe.party import Party, ShallowParty
from kazoo.recipe.queue import LockingQueue, Queue
from kazoo.recipe.watchers import ChildrenWatch, DataWatch
from kazoo.security import make_acl, make_digest_acl

logging.basicConfig(level=logging.ERROR, stream=sys.stderr)

HOSTS = ""
ROOT = ""
CLIENTS = []


class CheckError(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckError(msg)


def fact(key, value):
    print("FACT %s=%s" % (key, value), flush=True)


def client(timeout=10.0):
    c = KazooClient(hosts=HOSTS, timeout=timeout)
    c.start(timeout=15)
    CLIENTS.append(c)
    return c


def wait_for(cond, timeout=15.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise CheckError("timed out waiting for " + what)


def p(*parts):
    return "/".join((ROOT,) + parts)


def start_thread(fn, *args):
    errs = []

    def run():
        try:
            fn(*args)
        except Exception:  # reported by the caller
            errs.append(traceback.format_exc())

    t = threading.Thread(target=run, daemon=True)
    t.errs = errs
    t.start()
    return t


def join_all(threads, timeout=30.0):
    deadline = time.time() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.time()))
        check(not t.is_alive(), "thread did not finish")
        check(not t.errs, "thread failed:\n" + "".join(t.errs))


# ---------------------------------------------------------------- lock

def recipe_lock():
    setup = client()
    counter_path = p("counter")
    setup.ensure_path(counter_path)
    setup.set(counter_path, b"0")
    nclients, rounds = 5, 8
    state = {"inside": 0, "max_inside": 0, "max_waiting": 0}
    mu = threading.Lock()

    def worker(i):
        c = client()
        lock = Lock(c, p("lock"), identifier="worker-%d" % i)
        for _ in range(rounds):
            with lock:
                with mu:
                    state["inside"] += 1
                    state["max_inside"] = max(state["max_inside"],
                                              state["inside"])
                n = len(lock.contenders())
                with mu:
                    state["max_waiting"] = max(state["max_waiting"], n)
                # unversioned read-modify-write: only mutual exclusion
                # keeps increments from being lost
                data, _ = c.get(counter_path)
                time.sleep(0.003)
                c.set(counter_path, str(int(data) + 1).encode())
                with mu:
                    state["inside"] -= 1

    join_all([start_thread(worker, i) for i in range(nclients)], 60)
    data, stat = setup.get(counter_path)
    check(int(data) == nclients * rounds,
          "counter %s, want %d (lost updates: lock not exclusive)" %
          (data, nclients * rounds))
    check(stat.version == nclients * rounds + 1, "counter version %d" %
          stat.version)
    check(state["max_inside"] == 1, "max holders %d" % state["max_inside"])
    check(state["max_waiting"] >= 2, "never saw contention (max contenders "
          "%d)" % state["max_waiting"])
    check(setup.get_children(p("lock")) == [], "lock nodes left behind")
    fact("lock_counter", int(data))
    fact("lock_max_holders", state["max_inside"])

    # a held lock times out others; its holder's session closing frees it
    a, b = client(), client()
    la = Lock(a, p("lock2"), identifier="a")
    lb = Lock(b, p("lock2"), identifier="b")
    check(la.acquire(timeout=5), "a could not take a free lock")
    t0 = time.time()
    try:
        lb.acquire(timeout=0.5)
        raise CheckError("b acquired a held lock")
    except LockTimeout:
        pass
    check(time.time() - t0 >= 0.45, "acquire(timeout) returned early")
    check(lb.contenders() == ["a"], "contenders %r" % lb.contenders())
    got = threading.Event()

    def take():
        lb.acquire()
        got.set()
    start_thread(take)
    time.sleep(0.3)
    check(not got.is_set(), "b got the lock while a holds it")
    a.stop()
    a.close()
    check(got.wait(10), "b never got the lock after a's session closed")
    check(lb.contenders() == ["b"], "contenders after handover %r" %
          lb.contenders())
    lb.release()
    fact("lock_handover_on_session_close", "ok")

    # semaphore: at most two holders, and two at once do happen
    sem_state = {"in": 0, "max": 0}

    def sem_worker(i):
        c = client()
        s = Semaphore(c, p("sem"), identifier="s%d" % i, max_leases=2)
        for _ in range(3):
            with s:
                with mu:
                    sem_state["in"] += 1
                    sem_state["max"] = max(sem_state["max"], sem_state["in"])
                time.sleep(0.05)
                with mu:
                    sem_state["in"] -= 1
    join_all([start_thread(sem_worker, i) for i in range(4)], 60)
    check(sem_state["max"] == 2, "semaphore max holders %d" % sem_state["max"])
    fact("semaphore_max_holders", sem_state["max"])


# ---------------------------------------------------------------- election

def recipe_election():
    n = 3
    clients = [client() for _ in range(n)]
    elections = [Election(clients[i], p("election"), "c%d" % i)
                 for i in range(n)]
    leaders = []
    mu = threading.Lock()
    stop = [threading.Event() for _ in range(n)]
    current = set()  # leaders whose leadership has not ended
    overlaps = []

    def lead(i):
        with mu:
            leaders.append(i)
            if current:
                overlaps.append((i, sorted(current)))
            current.add(i)
        stop[i].wait(30)
        with mu:
            current.discard(i)

    def contend(i):
        try:
            elections[i].run(lead, i)
        except Exception:
            # the first leader's client is closed under it: releasing
            # the lock then fails, which is expected
            if i != leaders[0]:
                raise

    threads = []
    for i in range(n):
        threads.append(start_thread(contend, i))
        time.sleep(0.1)  # contenders queue in a known order
    wait_for(lambda: len(leaders) == 1, what="first leader")
    time.sleep(0.3)
    check(len(leaders) == 1, "two leaders at once: %r" % leaders)
    first = leaders[0]
    check(first == 0, "first leader c%d, want c0 (lowest sequence)" % first)
    cont = elections[1].contenders()
    check(cont == ["c0", "c1", "c2"], "contenders %r" % cont)
    fact("election_first_leader", "c%d" % first)

    # the leader's session closes: leadership moves to the next contender
    with mu:
        current.discard(first)  # its leadership ends with its session
    clients[first].stop()
    clients[first].close()
    wait_for(lambda: len(leaders) == 2, what="leader change")
    second = leaders[1]
    check(second != first, "same leader elected again")
    check(second == 1, "second leader c%d, want c1" % second)
    cont = elections[2].contenders()
    check(cont == ["c1", "c2"], "contenders after change %r" % cont)
    fact("election_second_leader", "c%d" % second)
    stop[first].set()

    # the second leader resigns: the last one takes over
    stop[second].set()
    wait_for(lambda: len(leaders) == 3, what="third leader")
    check(leaders[2] == 2, "third leader c%d" % leaders[2])
    stop[2].set()
    join_all(threads)
    check(overlaps == [], "leaders at once: %r" % overlaps)
    fact("election_leaders", ",".join("c%d" % i for i in leaders))

    # cancel: a waiting contender leaves without ever leading
    e0 = Election(clients[1], p("election2"), "x")
    e1 = Election(clients[2], p("election2"), "y")
    hold = threading.Event()
    ran = []
    t0 = start_thread(e0.run, lambda: (ran.append("x"), hold.wait(10)))
    wait_for(lambda: ran == ["x"], what="x leads")
    t1 = start_thread(e1.run, lambda: ran.append("y"))
    wait_for(lambda: len(e0.contenders()) == 2, what="y queued")
    e1.cancel()
    join_all([t1])
    hold.set()
    join_all([t0])
    check(ran == ["x"], "cancelled contender ran: %r" % ran)
    fact("election_cancel", "ok")


# ---------------------------------------------------------------- barriers

def recipe_barrier():
    owner = client()
    path = p("barrier")
    b = Barrier(owner, path)
    b.create()
    check(not b.wait(timeout=0.3), "wait returned True on a raised barrier")
    released = []
    mu = threading.Lock()

    def waiter(i):
        c = client()
        ok = Barrier(c, path).wait()
        with mu:
            released.append((i, ok))

    threads = [start_thread(waiter, i) for i in range(3)]
    time.sleep(0.7)
    check(released == [], "passed a raised barrier: %r" % released)
    b.remove()
    join_all(threads, 15)
    check(sorted(released) == [(0, True), (1, True), (2, True)],
          "released %r" % released)
    check(Barrier(owner, path).wait(timeout=1), "wait on a lowered barrier")
    fact("barrier_released", len(released))

    # double barrier: enter blocks until all arrive, leave until all leave
    n = 3
    dpath = p("double")
    entered, left = [], []
    go_leave = [threading.Event() for _ in range(n)]

    def member(i):
        c = client()
        db = DoubleBarrier(c, dpath, n, identifier="m%d" % i)
        db.enter()
        check(db.participating, "m%d not participating" % i)
        with mu:
            entered.append(i)
        go_leave[i].wait(30)
        db.leave()
        with mu:
            left.append(i)

    threads = [start_thread(member, i) for i in range(n - 1)]
    wait_for(lambda: len(owner.get_children(dpath)) == n - 1
             if owner.exists(dpath) else False, what="two members waiting")
    time.sleep(0.5)
    check(entered == [], "entered before all arrived: %r" % entered)
    threads.append(start_thread(member, n - 1))
    wait_for(lambda: len(entered) == n, what="all entered")
    fact("double_barrier_entered", len(entered))

    # two leave; they must wait for the third
    go_leave[0].set()
    go_leave[1].set()
    time.sleep(0.7)
    check(left == [], "left before everyone did: %r" % left)
    go_leave[2].set()
    join_all(threads, 15)
    check(sorted(left) == [0, 1, 2], "left %r" % left)
    check(owner.get_children(dpath) == [], "members left behind: %r" %
          owner.get_children(dpath))
    fact("double_barrier_left", len(left))


# ---------------------------------------------------------------- counter

def recipe_counter():
    path = p("counter")
    nclients, rounds = 4, 25

    def worker():
        c = client()
        cnt = Counter(c, path)
        for _ in range(rounds):
            cnt += 1

    join_all([start_thread(worker) for _ in range(nclients)], 60)
    c = client()
    total = Counter(c, path).value
    check(total == nclients * rounds, "counter %r, want %d" %
          (total, nclients * rounds))
    data, stat = c.get(path)
    check(data == str(nclients * rounds).encode(), "stored %r" % data)
    check(stat.version == nclients * rounds, "version %d" % stat.version)
    cnt = Counter(c, path)
    cnt -= 30
    check(cnt.value == total - 30, "after -30: %r" % cnt.value)
    check(cnt.pre_value == total and cnt.post_value == total - 30,
          "pre/post %r/%r" % (cnt.pre_value, cnt.post_value))
    f = Counter(c, p("float"), default=0.5)
    f += 1.25
    check(f.value == 1.75, "float counter %r" % f.value)
    fact("counter_value", total)
    fact("counter_after_decrement", cnt.value)


# ---------------------------------------------------------------- queues

def recipe_queue():
    c = client()
    q = Queue(c, p("queue"))
    for v in (b"a", b"b", b"c"):
        q.put(v)
    q.put(b"urgent", priority=1)
    q.put(b"low", priority=999)
    check(len(q) == 5, "len %d" % len(q))
    got = [q.get() for _ in range(5)]
    check(got == [b"urgent", b"a", b"b", b"c", b"low"], "order %r" % got)
    check(q.get() is None, "empty queue returned an item")
    fact("queue_order", ",".join(x.decode() for x in got))

    # concurrent consumers: every item delivered exactly once
    items = [("i%03d" % i).encode() for i in range(60)]
    for it in items:
        q.put(it)
    taken = []
    mu = threading.Lock()

    def consumer():
        cq = Queue(client(), p("queue"))
        while True:
            v = cq.get()
            if v is None:
                return
            with mu:
                taken.append(v)

    join_all([start_thread(consumer) for _ in range(3)], 60)
    check(len(taken) == len(items) and sorted(taken) == items,
          "consumers took %d items (%d distinct) of %d" %
          (len(taken), len(set(taken)), len(items)))
    fact("queue_consumed_once", len(taken))

    # locking queue
    lq1 = LockingQueue(client(), p("lqueue"))
    lq2 = LockingQueue(client(), p("lqueue"))
    lq1.put_all([b"1", b"2", b"3"])
    lq1.put(b"0", priority=5)
    check(len(lq1) == 4, "lqueue len %d" % len(lq1))
    first = lq1.get(timeout=5)
    check(first == b"0", "first %r" % first)
    check(lq1.holds_lock(), "lq1 does not hold its item's lock")
    second = lq2.get(timeout=5)
    check(second == b"1", "second consumer got %r (locked item handed out?)"
          % second)
    check(lq2.release(), "release failed")
    # the released item is available again
    again = lq2.get(timeout=5)
    check(again == b"1", "after release got %r" % again)
    check(lq2.consume(), "consume failed")
    check(lq1.consume(), "consume failed")
    check(len(lq1) == 2, "lqueue len after consume %d" % len(lq1))
    rest = []
    for _ in range(2):
        v = lq1.get(timeout=5)
        rest.append(v)
        lq1.consume()
    check(rest == [b"2", b"3"], "rest %r" % rest)
    check(lq1.get(timeout=0.3) is None, "empty locking queue returned data")

    # a blocked get wakes when an item is put
    woke = []
    t = start_thread(lambda: woke.append(lq2.get(timeout=10)))
    time.sleep(0.3)
    check(woke == [], "get returned before a put")
    lq1.put(b"late")
    join_all([t], 15)
    check(woke == [b"late"], "woke with %r" % woke)
    lq2.consume()
    fact("locking_queue", "ok")


# ---------------------------------------------------------------- tree cache

def recipe_treecache():
    writer, reader = client(), client()
    root = p("tc")
    writer.create(root + "/a", b"a0", makepath=True)
    events = []
    cond = threading.Condition()

    def listener(ev):
        with cond:
            if ev.event_type in (TreeEvent.NODE_ADDED, TreeEvent.NODE_UPDATED,
                                 TreeEvent.NODE_REMOVED):
                events.append((ev.event_type, ev.event_data.path,
                               ev.event_data.data))
            else:
                events.append((ev.event_type, None, None))
            cond.notify_all()

    cache = TreeCache(reader, root)
    cache.listen(listener)
    cache.start()

    def wait_event(want):
        with cond:
            ok = cond.wait_for(lambda: want in events, timeout=10)
        check(ok, "no event %r; got %r" % (want, events))

    wait_event((TreeEvent.INITIALIZED, None, None))
    check(cache.get_children(root) == frozenset(["a"]),
          "initial children %r" % cache.get_children(root))
    check(cache.get_data(root + "/a").data == b"a0", "initial data")

    writer.create(root + "/b", b"b0")
    wait_event((TreeEvent.NODE_ADDED, root + "/b", b"b0"))
    writer.set(root + "/a", b"a1")
    wait_event((TreeEvent.NODE_UPDATED, root + "/a", b"a1"))
    writer.create(root + "/b/c", b"c0")
    wait_event((TreeEvent.NODE_ADDED, root + "/b/c", b"c0"))
    writer.set(root + "/b/c", b"c1")
    wait_event((TreeEvent.NODE_UPDATED, root + "/b/c", b"c1"))
    writer.delete(root + "/b/c")
    wait_event((TreeEvent.NODE_REMOVED, root + "/b/c", b"c1"))
    writer.delete(root + "/a")
    wait_event((TreeEvent.NODE_REMOVED, root + "/a", b"a1"))

    check(cache.get_children(root) == frozenset(["b"]),
          "children %r" % cache.get_children(root))
    check(cache.get_children(root + "/b") == frozenset(),
          "children of b %r" % cache.get_children(root + "/b"))
    check(cache.get_data(root + "/a") is None, "deleted node still cached")
    check(cache.get_data(root + "/b").data == b"b0", "b data")
    node = cache.get_data(root + "/b")
    _, stat = writer.get(root + "/b")
    check((node.stat.czxid, node.stat.mzxid, node.stat.version) ==
          (stat.czxid, stat.mzxid, stat.version),
          "cached stat %r differs from %r" % (node.stat, stat))
    adds = [e for e in events if e[0] == TreeEvent.NODE_ADDED]
    # root, a (initial), b, b/c
    check(len(adds) == 4, "adds %r" % adds)
    cache.close()
    fact("treecache_events", len(events))

    # DataWatch / ChildrenWatch see the same changes
    seen_data, seen_kids = [], []
    DataWatch(reader, root + "/w",
              lambda d, s: seen_data.append(d))
    ChildrenWatch(reader, root + "/b",
                  lambda kids: seen_kids.append(sorted(kids)))
    wait_for(lambda: seen_data == [None] and seen_kids == [[]],
             what="initial watch callbacks")
    writer.create(root + "/w", b"1")
    wait_for(lambda: seen_data[-1] == b"1", what="datawatch create")
    writer.set(root + "/w", b"2")
    wait_for(lambda: seen_data[-1] == b"2", what="datawatch set")
    writer.create(root + "/b/x")
    writer.create(root + "/b/y")
    wait_for(lambda: seen_kids[-1] == ["x", "y"], what="childrenwatch")
    writer.delete(root + "/w")
    wait_for(lambda: seen_data[-1] is None, what="datawatch delete")
    fact("watchers", "ok")


# ---------------------------------------------------------------- transactions

def recipe_transaction():
    c, other = client(), client()
    root = p("tx")
    c.create(root, b"r", makepath=True)
    seen = []
    other.get_children(root, watch=lambda ev: seen.append(ev.type))

    t = c.transaction()
    t.create(root + "/a", b"1")
    t.create(root + "/a/b", b"2")
    t.create(root + "/seq-", b"", sequence=True)
    t.create(root + "/seq-", b"", sequence=True)
    t.set_data(root, b"x")
    t.check(root, 1)
    res = t.commit()
    check(res[:2] == [root + "/a", root + "/a/b"], "results %r" % res)
    check(res[2] == root + "/seq-0000000001" and
          res[3] == root + "/seq-0000000002", "sequential names %r" % res[2:4])
    check(res[4].version == 1, "set_data result %r" % (res[4],))
    check(res[5] is True, "check result %r" % (res[5],))
    _, sa = c.get(root + "/a")
    _, sb = c.get(root + "/a/b")
    data, sr = c.get(root)
    check(sa.czxid == sb.czxid == sr.mzxid,
          "one zxid for the whole transaction: %x %x %x" %
          (sa.czxid, sb.czxid, sr.mzxid))
    check(data == b"x", "set in transaction: %r" % data)
    wait_for(lambda: seen == ["CHILD"], what="child watch from commit")
    fact("tx_committed", len(res))

    # failing transaction: nothing applied, per-op errors
    t = c.transaction()
    t.create(root + "/c", b"")
    t.delete(root + "/a/b")
    t.check(root, 99)
    t.set_data(root, b"never")
    res = t.commit()
    check(len(res) == 4, "results %r" % res)
    check(isinstance(res[0], RolledBackError) and
          isinstance(res[1], RolledBackError), "results %r" % res)
    check(isinstance(res[2], BadVersionError), "failing op %r" % res[2])
    check(isinstance(res[3], RuntimeInconsistency),
          "after failure %r" % res[3])
    check(c.exists(root + "/c") is None, "failed transaction created /c")
    check(c.exists(root + "/a/b") is not None,
          "failed transaction deleted /a/b")
    data, sr2 = c.get(root)
    check(data == b"x" and sr2.version == sr.version,
          "failed transaction changed data")
    fact("tx_failed_atomic", "BadVersion")

    # other failures
    t = c.transaction()
    t.create(root + "/d")
    t.create(root + "/a")
    res = t.commit()
    check(isinstance(res[0], RolledBackError) and
          isinstance(res[1], NodeExistsError), "results %r" % res)
    check(c.exists(root + "/d") is None, "/d created by failed tx")
    t = c.transaction()
    t.delete(root + "/a")
    res = t.commit()
    check(isinstance(res[0], NotEmptyError), "results %r" % res)
    t = c.transaction()
    t.set_data(root + "/missing", b"")
    res = t.commit()
    check(isinstance(res[0], NoNodeError), "results %r" % res)

    # delete a subtree bottom-up in one transaction
    t = c.transaction()
    t.delete(root + "/a/b")
    t.delete(root + "/a")
    res = t.commit()
    check(res == [True, True], "results %r" % res)
    check(c.exists(root + "/a") is None, "subtree still there")
    # sequence counter kept counting through the failed ones
    name = c.create(root + "/seq-", sequence=True)
    check(name == root + "/seq-0000000003", "next sequential %s" % name)
    fact("tx_next_sequence", name.rsplit("-", 1)[1])


# ---------------------------------------------------------------- rwlock, party

def recipe_rwlock():
    # (kazoo 2.8's ReadLock/WriteLock can deadlock under heavy mixed
    # contention, against ZooKeeper too, so this walks the states instead)
    path = p("rw")
    w = WriteLock(client(), path, "w")
    r1 = ReadLock(client(), path, "r1")
    r2 = ReadLock(client(), path, "r2")
    w2 = WriteLock(client(), path, "w2")
    check(w.acquire(timeout=5), "write lock on a free path")
    try:
        r1.acquire(timeout=0.5)
        raise CheckError("read lock granted under a write lock")
    except LockTimeout:
        pass
    got = []
    t1 = start_thread(lambda: got.append(r1.acquire()))
    t2 = start_thread(lambda: got.append(r2.acquire()))
    time.sleep(0.4)
    check(got == [], "readers got in while the writer holds: %r" % got)
    w.release()
    join_all([t1, t2], 10)
    check(got == [True, True], "both readers hold the lock: %r" % got)
    try:
        w2.acquire(timeout=0.5)
        raise CheckError("write lock granted under read locks")
    except LockTimeout:
        pass
    wgot = []
    tw = start_thread(lambda: wgot.append(w2.acquire()))
    r1.release()
    time.sleep(0.4)
    check(wgot == [], "writer got in while a reader holds")
    r2.release()
    join_all([tw], 10)
    check(wgot == [True], "writer after readers left")
    w2.release()
    fact("rwlock_exclusion", "ok")

    # party membership follows sessions
    a, b = client(), client()
    pa = Party(a, p("party"), "alice")
    pb = Party(b, p("party"), "bob")
    pa.join()
    pb.join()
    check(sorted(pa) == ["alice", "bob"], "party %r" % sorted(pa))
    check(len(pa) == 2, "party size %d" % len(pa))
    b.stop()
    b.close()
    wait_for(lambda: list(pa) == ["alice"], what="bob leaves with his session")
    pa.leave()
    check(len(pa) == 0, "party not empty after leave")
    sa = ShallowParty(a, p("shallow"), "carol")
    sa.join()
    check(list(sa) == ["carol"], "shallow party %r" % list(sa))
    fact("party", "ok")


# ---------------------------------------------------------------- client API

def recipe_client():
    c = client()
    base = p("api")
    c.ensure_path(base + "/deep/er/path")
    check(c.exists(base + "/deep/er/path") is not None, "ensure_path")

    # create2: the stat of the new node comes back with the path
    path, stat = c.create(base + "/c2", b"data", include_data=True)
    check(path == base + "/c2", "create2 path %r" % path)
    check(stat.version == 0 and stat.dataLength == 4 and
          stat.czxid == stat.mzxid == stat.pzxid, "create2 stat %r" % (stat,))
    _, stat2 = c.get(base + "/c2")
    check(stat == stat2, "create2 stat %r, get says %r" % (stat, stat2))
    path, stat = c.create(base + "/seq-", b"", sequence=True,
                          ephemeral=True, include_data=True)
    check(path == base + "/seq-0000000002" and
          stat.ephemeralOwner == c.client_id[0], "%r %r" % (path, stat))

    # get_children with its stat (getChildren2)
    kids, stat = c.get_children(base, include_data=True)
    check(sorted(kids) == ["c2", "deep", "seq-0000000002"], "kids %r" % kids)
    check(stat.numChildren == 3 and stat.cversion == 3, "stat %r" % (stat,))

    # empty and binary values round-trip
    c.create(base + "/empty", b"")
    data, stat = c.get(base + "/empty")
    check(data == b"" and stat.dataLength == 0, "empty %r" % data)
    blob = bytes(range(256)) * 3900  # ~1 MB, under jute.maxbuffer
    c.set(base + "/empty", blob)
    data, stat = c.get(base + "/empty")
    check(data == blob and stat.dataLength == len(blob), "large value")
    fact("large_value_bytes", len(blob))

    # many children in one reply
    c.create(base + "/many")
    for chunk in range(0, 2000, 250):
        t = c.transaction()
        for i in range(chunk, chunk + 250):
            t.create(base + "/many/n%04d" % i)
        check(all(isinstance(r, str) for r in t.commit()), "bulk create")
    kids = c.get_children(base + "/many")
    check(len(kids) == 2000 and len(set(kids)) == 2000, "%d kids" % len(kids))
    fact("many_children", len(kids))
    c.delete(base + "/many", recursive=True)
    check(c.exists(base + "/many") is None, "recursive delete")

    # ACLs and digest auth
    acl = make_digest_acl("u", "p", all=True)
    c.create(base + "/secret", b"s", acl=[acl])
    other = client()
    for op in (other.get, other.get_acls):
        try:
            op(base + "/secret")
            raise CheckError("%s on a digest-protected node without auth"
                             % op.__name__)
        except NoAuthError:
            pass
    other.add_auth("digest", "u:p")
    data, _ = other.get(base + "/secret")
    check(data == b"s", "read after add_auth")
    acls, stat = other.get_acls(base + "/secret")
    check(acls == [acl] and stat.aversion == 0, "acls %r %r" % (acls, stat))
    try:
        other.set_acls(base + "/secret", [acl, make_acl("world", "anyone",
                                                        read=True)], version=5)
        raise CheckError("set_acls with a stale version")
    except BadVersionError:
        pass
    other.set_acls(base + "/secret", [acl, make_acl("world", "anyone",
                                                    read=True)], version=0)
    data, stat = c.get(base + "/secret")  # c has no auth: world read now
    check(data == b"s" and stat.aversion == 1, "aversion %d" % stat.aversion)
    acls, _ = c.get_acls(base + "/secret")
    check(acls[0].id.scheme == "digest" and acls[0].id.id == "u:x",
          "digest id not masked for a reader without ADMIN: %r" % acls)
    try:
        c.set(base + "/secret", b"x")
        raise CheckError("write without WRITE permission")
    except NoAuthError:
        pass
    try:
        c.create(base + "/badacl", acl=[make_acl("world", "nobody",
                                                 read=True)])
        raise CheckError("created a node with world:nobody")
    except InvalidACLError:
        pass
    fact("acl", "ok")

    # an unknown auth scheme fails the connection for that client
    bad = KazooClient(hosts=HOSTS, timeout=10)
    bad.start(timeout=15)
    CLIENTS.append(bad)
    try:
        bad.add_auth("nosuchscheme", "x")
        raise CheckError("auth with an unknown scheme succeeded")
    except AuthFailedError:
        pass
    fact("auth_failed", "ok")

    # chroot: paths are relative to it, both ways
    c.ensure_path(base + "/jail")
    jc = KazooClient(hosts=HOSTS + base + "/jail", timeout=10)
    jc.start(timeout=15)
    CLIENTS.append(jc)
    seen = []
    jc.get_children("/", watch=lambda ev: seen.append(ev.path))
    check(jc.create("/inside", b"j") == "/inside", "chroot create path")
    check(jc.create("/s-", sequence=True) == "/s-0000000001",
          "chroot sequential path")
    wait_for(lambda: seen == ["/"], what="chroot child watch, got %r" % seen)
    check(c.get(base + "/jail/inside")[0] == b"j", "chroot create landed")
    check(jc.sync("/inside") == "/inside", "chroot sync")
    check(jc.exists("/") is not None, "chroot root")
    t = jc.transaction()
    t.create("/tx")
    t.delete("/inside")
    check(t.commit() == ["/tx", True], "chroot transaction")
    fact("chroot", "ok")

    check(c.sync(base) == base, "sync")

    # one-shot watches: creation, data, children, deletion
    evs = []
    w = lambda ev: evs.append((ev.type, ev.path))
    check(other.exists(base + "/w", watch=w) is None, "w exists")
    c.create(base + "/w", b"1")
    wait_for(lambda: evs == [("CREATED", base + "/w")], what="CREATED")
    other.get(base + "/w", watch=w)
    other.get_children(base + "/w", watch=w)
    c.create(base + "/w/k")
    wait_for(lambda: evs[1:] == [("CHILD", base + "/w")], what="CHILD")
    other.get_children(base + "/w", watch=w)
    c.delete(base + "/w/k")
    c.delete(base + "/w")
    # data watch and child watch on a deleted node: one DELETED each
    wait_for(lambda: sorted(evs[2:]) == [("CHILD", base + "/w"),
                                         ("DELETED", base + "/w")],
             what="DELETED, got %r" % evs)
    time.sleep(0.2)
    check(len(evs) == 4, "extra events %r" % evs)
    fact("watches", "ok")

    # a client that allows read-only servers still gets a read-write session
    ro = KazooClient(hosts=HOSTS, timeout=10, read_only=True)
    ro.start(timeout=15)
    CLIENTS.append(ro)
    check(ro.client_state == "CONNECTED", "read_only client state %s" %
          ro.client_state)
    ro.create(base + "/from-ro")
    fact("read_only_flag", "ok")
    # four-letter words through kazoo
    check(c.command(b"ruok") == "imok", "ruok")
    check("zk_znode_count" in c.command(b"mntr"), "mntr")
    ver = c.server_version()
    check(len(ver) >= 2 and ver[0] == 3, "server version %r" % (ver,))
    fact("server_version_major", ver[0])

    # (no reconfig: the server answers ReconfigDisabled, -123, a code
    # kazoo 2.8 does not know; its connection thread dies on it, against
    # ZooKeeper as well)


# ---------------------------------------------------------------- expiry

def recipe_expiry():
    c = client(timeout=2.0)
    watcher = client()
    states = []
    lost = threading.Event()

    def listener(state):
        states.append(state)
        if state == KazooState.LOST:
            lost.set()
    c.add_listener(listener)
    old_id, _ = c.client_id
    c.create(p("exp", "eph"), b"mine", ephemeral=True, makepath=True)
    gone = threading.Event()

    def on_change(ev):
        if ev.type == "DELETED":
            gone.set()
    check(watcher.exists(p("exp", "eph"), watch=on_change) is not None,
          "ephemeral missing")
    # the driver freezes this process now, waits for the server to expire
    # the session, resumes us and says GO on stdin
    print("READY 0x%x" % old_id, flush=True)
    line = sys.stdin.readline().strip()
    check(line == "GO", "driver said %r" % line)
    check(lost.wait(20), "kazoo never reported LOST; states %r" % states)
    check(gone.wait(5), "no NodeDeleted for the expired ephemeral")
    wait_for(lambda: c.state == KazooState.CONNECTED, what="new session")
    new_id, _ = c.client_id
    check(new_id != old_id, "same session id after expiry")
    check(c.exists(p("exp", "eph")) is None, "ephemeral survived expiry")
    c.create(p("exp", "eph"), b"again", ephemeral=True)
    _, st = watcher.get(p("exp", "eph"))
    check(st.ephemeralOwner == new_id, "owner %x, want %x" %
          (st.ephemeralOwner, new_id))
    fact("expiry_states", ",".join(str(s) for s in states))
    fact("expiry_new_session", "ok")


# ---------------------------------------------------------------- restart

def recipe_restart():
    """The driver freezes us, restarts the server from its data dir and
    changes nodes we watch: the session must survive (same id, ephemeral
    kept) and kazoo's watch recipes must see the changes. (kazoo 2.8 drops
    plain watches on a disconnect, so the recipes re-register them.)"""
    c = client(timeout=10.0)
    states = []
    c.add_listener(states.append)
    c.create(p("rs", "eph"), b"e", ephemeral=True, makepath=True)
    c.create(p("rs", "data"), b"v0")
    datas, kids = [], []
    DataWatch(c, p("rs", "data"), lambda d, s: datas.append(d))
    ChildrenWatch(c, p("rs"), lambda k: kids.append(sorted(k)))
    wait_for(lambda: datas == [b"v0"] and kids == [["data", "eph"]],
             what="initial watch callbacks")
    old_id = c.client_id[0]
    print("READY 0x%x" % old_id, flush=True)
    line = sys.stdin.readline().strip()
    check(line == "GO", "driver said %r" % line)
    try:
        wait_for(lambda: datas[-1] == b"v1" and
                 kids[-1] == ["data", "eph", "new"], 20)
    except CheckError:
        raise CheckError("watchers after the restart: data %r, children %r, "
                         "states %r" % (datas, kids, states))
    check(KazooState.SUSPENDED in states, "never suspended: %r" % states)
    check(KazooState.LOST not in states, "session lost: %r" % states)
    check(c.client_id[0] == old_id, "new session 0x%x after the restart" %
          c.client_id[0])
    _, st = c.get(p("rs", "eph"))
    check(st.ephemeralOwner == old_id, "ephemeral owner %x" %
          st.ephemeralOwner)
    # the session is usable: a new ephemeral, a write
    c.create(p("rs", "eph2"), ephemeral=True)
    c.set(p("rs", "data"), b"v2")
    wait_for(lambda: datas[-1] == b"v2", what="data watch after reconnect")
    fact("restart_same_session", "ok")


def main():
    global HOSTS, ROOT
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    HOSTS, name, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
    signal.signal(signal.SIGALRM, lambda *a: (
        print("FAIL: watchdog: %s hung" % name, flush=True), os._exit(3)))
    signal.alarm(90)
    fn = globals().get("recipe_" + name)
    if fn is None:
        print("FAIL: unknown recipe " + name)
        return 2
    try:
        fn()
    except CheckError as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    except Exception:
        print("FAIL: exception\n" + traceback.format_exc(), flush=True)
        return 1
    finally:
        for c in CLIENTS:
            try:
                c.stop()
                c.close()
            except Exception:
                pass
    print("PASS %s" % name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
