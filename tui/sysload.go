package tui

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/sipbench/sipbench/folder"
)

// sysPoll is the time between two readings of the machine's load and the trainers' use.
const sysPoll = 2 * time.Second

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's CPU times (100 on
// every Linux architecture Go supports).
const clockTicks = 100

// sysReading is what the dashboard shows of the machine (btop, nvitop): its load over
// its cores, and the CPU and memory of the processes training the jobs shown (those on
// this machine, from the jobs' lock files). ok is false where /proc cannot be read.
type sysReading struct {
	ok       bool
	load     float64
	cores    int
	trainers int     // processes of this machine training the jobs shown
	cpu      float64 // their CPU, in % of one core, since the reading before
	rss      int64   // their resident memory, bytes
	ticks    map[int]cpuSample
}

// cpuSample is a process's CPU time (clock ticks) when read.
type cpuSample struct {
	ticks int64
	at    time.Time
}

type (
	sysTickMsg struct{ gen int }
	sysReadMsg struct {
		gen int
		r   sysReading
	}
)

// sysTick arms the next reading.
func (d *dashboard) sysTick() tea.Cmd {
	gen := d.gen
	return tea.Tick(sysPoll, func(time.Time) tea.Msg { return sysTickMsg{gen: gen} })
}

// readSys reads the load and the trainers' use in a command.
func (d *dashboard) readSys() tea.Cmd {
	type jobAt struct{ dir, id string }
	var jobs []jobAt
	for _, j := range d.store.Jobs {
		if !j.Status().Final() && j.Run < len(d.runs) {
			jobs = append(jobs, jobAt{d.runs[j.Run].dir, j.Info.ID})
		}
	}
	prev, gen := d.sys.ticks, d.gen
	return func() tea.Msg {
		host, _ := os.Hostname()
		pids := map[int]bool{}
		for _, j := range jobs {
			if o, err := folder.JobLockOwner(j.dir, j.id); err == nil && o != nil && o.PID > 0 && o.Host == host {
				pids[o.PID] = true
			}
		}
		return sysReadMsg{gen: gen, r: readProc(pids, prev, time.Now())}
	}
}

// readProc reads /proc/loadavg and, for each pid, /proc/PID/stat and statm; the CPU is
// the ticks since prev's sample of the same process.
func readProc(pids map[int]bool, prev map[int]cpuSample, now time.Time) sysReading {
	r := sysReading{cores: runtime.NumCPU(), ticks: map[int]cpuSample{}}
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return r
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return r
	}
	if r.load, err = strconv.ParseFloat(f[0], 64); err != nil {
		return r
	}
	r.ok = true
	for pid := range pids {
		ticks, rss, ok := procUse(pid)
		if !ok {
			continue
		}
		r.trainers++
		r.rss += rss
		r.ticks[pid] = cpuSample{ticks, now}
		if p, seen := prev[pid]; seen && now.After(p.at) && ticks >= p.ticks {
			r.cpu += float64(ticks-p.ticks) / clockTicks / now.Sub(p.at).Seconds() * 100
		}
	}
	return r
}

// procUse returns the CPU time (user + system, clock ticks) and resident memory (bytes)
// of process pid.
func procUse(pid int) (ticks, rss int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command's name may hold spaces and parentheses
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // from field 3, state
	if len(f) < 13 {
		return 0, 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	m, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, 0, false
	}
	mf := strings.Fields(string(m))
	if len(mf) < 2 {
		return 0, 0, false
	}
	pages, err := strconv.ParseInt(mf[1], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return ut + st, pages * int64(os.Getpagesize()), true
}

// text is the reading as the title line's end: "load 12.3 on 2 cores · trainer: CPU
// 95 %, 180 MB", or "" when no process of this machine trains the jobs shown.
func (r sysReading) text() string {
	if !r.ok || r.trainers == 0 { // nothing trains here: the machine's load says nothing of the runs
		return ""
	}
	s := fmt.Sprintf("load %.1f on %d cores", r.load, r.cores)
	switch {
	case r.trainers == 1:
		s += fmt.Sprintf(" · trainer: CPU %.0f %%, %s", r.cpu, formatBytes(r.rss))
	case r.trainers > 1:
		s += fmt.Sprintf(" · %d trainers: CPU %.0f %%, %s", r.trainers, r.cpu, formatBytes(r.rss))
	}
	return s
}

// formatBytes formats a size: 180 MB, 1.2 GB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
}
